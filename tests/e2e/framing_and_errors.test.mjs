// Framing, the JSON-RPC envelope, the initialize gate and the error codes, over stdio.
import { e2eTest, assert, assertError, sleep, UNKNOWN_ID } from './harness.mjs';

const NOT_INITIALIZED = -32002;

// Waits for the next message with "id": null after `since`; returns it.
function nullIdReply(client, since) {
  return client.waitFor(() => client.flat.slice(since).find((m) => m && m.id === null), 5000, 'a reply with "id": null');
}

e2eTest('initialize answers with userAgent, codexHome and the platform, echoing id and jsonrpc', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  const response = await c.request('initialize', { clientInfo: { name: 'spool-e2e', title: 'E2E', version: '1.2.3' } });
  assert.equal(response.jsonrpc, '2.0', 'responses carry "jsonrpc": "2.0"');
  assert.equal(response.id, 1);
  const r = response.result;
  assert.ok(r, `initialize failed: ${JSON.stringify(response.error)}`);
  assert.equal(typeof r.userAgent, 'string');
  assert.ok(r.userAgent.length > 0);
  assert.equal(typeof r.codexHome, 'string');
  assert.ok(r.codexHome.startsWith('/'), `codexHome should be absolute: ${r.codexHome}`);
  assert.equal(r.platformFamily, 'unix');
  assert.equal(r.platformOs, 'linux');
  // A string id is echoed as sent.
  const str = await c.request('thread/loaded/list', {}, { id: 'str-id-1' });
  assert.equal(str.id, 'str-id-1');
  assert.ok(str.result, JSON.stringify(str.error));
});

e2eTest('requests before initialize get -32002 "Not initialized"; a second initialize gets -32600', async (h) => {
  const c = h.serveStdio().client;
  assertError(await c.callError('thread/list', {}), NOT_INITIALIZED, 'Not initialized');
  assertError(await c.callError('thread/start', {}), NOT_INITIALIZED, 'Not initialized');
  // Even a method that does not exist: the gate or method-not-found, but never a result.
  const unknown = await c.callError('does/notExist', {});
  assert.ok([NOT_INITIALIZED, -32601].includes(unknown.code), `got ${unknown.code}`);
  await c.initialize();
  const list = await c.call('thread/list', {});
  assert.deepEqual(list.data, []);
  const again = await c.callError('initialize', { clientInfo: { name: 'again', version: '1' } });
  assertError(again, -32600, 'Already initialized');
  // The session still works.
  await c.call('thread/list', {});
});

e2eTest('the initialized notification is optional, and requests without "jsonrpc" are accepted', async (h) => {
  const c = h.serveStdio().client;
  const init = await c.request('initialize', { clientInfo: { name: 'codex-like', version: '0.1' } }, { jsonrpc: false });
  assert.ok(init.result, JSON.stringify(init.error));
  // No "initialized" notification sent: requests work anyway.
  const list = await c.request('thread/list', {}, { jsonrpc: false });
  assert.ok(list.result, JSON.stringify(list.error));
  assert.equal(list.jsonrpc, '2.0', 'the reply carries "jsonrpc": "2.0" even when the request had none');
  const since = c.mark();
  await c.notify('initialized');
  const after = await c.call('thread/loaded/list', {});
  assert.ok(Array.isArray(after.data));
  await c.expectNone((m) => m.id === null || (m.id === undefined && m.method === undefined), 100, since, 'reply to the initialized notification');
});

e2eTest('malformed JSON gets -32700 with id null, and the next line is handled normally', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  let since = c.mark();
  await c.sendRaw('{"jsonrpc":"2.0","id":9001,"method":"thread/list",\n{"jsonrpc":"2.0","id":2,"method":"thread/list","params":{}}\n');
  const err = await nullIdReply(c, since);
  assertError(err.error, -32700);
  assert.equal(err.jsonrpc, '2.0');
  const ok = await c.responseTo(2);
  assert.ok(ok.result, JSON.stringify(ok.error));
  // Other kinds of garbage.
  for (const garbage of ['not json at all', '{"a":', '{"id":1,"method":"x"} trailing', '\u0001\u0002']) {
    since = c.mark();
    await c.sendRaw(garbage + '\n');
    assertError((await nullIdReply(c, since)).error, -32700);
  }
  assert.ok((await c.call('thread/list', {})).data);
});

e2eTest('invalid requests get -32600', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  // Values that are not objects: id null.
  for (const raw of ['42', '"a string"', 'null', 'true']) {
    const since = c.mark();
    await c.sendRaw(raw + '\n');
    const reply = await nullIdReply(c, since);
    assertError(reply.error, -32600);
  }
  // "id" of a wrong type: id null.
  for (const raw of ['{"jsonrpc":"2.0","id":1.5,"method":"thread/list","params":{}}',
    '{"jsonrpc":"2.0","id":{"a":1},"method":"thread/list","params":{}}',
    '{"jsonrpc":"2.0","id":[1],"method":"thread/list","params":{}}',
    '{"jsonrpc":"2.0","id":true,"method":"thread/list","params":{}}']) {
    const since = c.mark();
    await c.sendRaw(raw + '\n');
    const reply = await nullIdReply(c, since);
    assertError(reply.error, -32600);
  }
  // Bad "jsonrpc", method not a string, no method: -32600, id as sent (or null).
  const cases = [
    { jsonrpc: '1.0', id: 9100, method: 'thread/list', params: {} },
    { jsonrpc: 2, id: 9101, method: 'thread/list', params: {} },
    { jsonrpc: '2.0', id: 9102, method: 42 },
    { jsonrpc: '2.0', id: 9103 },
    { jsonrpc: '2.0', id: 9104, method: null },
  ];
  for (const msg of cases) {
    const since = c.mark();
    await c.send(msg);
    const reply = await c.waitFor(() => c.flat.slice(since).find((m) => m.id === msg.id || m.id === null), 5000, `reply to ${JSON.stringify(msg)}`);
    assertError(reply.error, -32600);
  }
  // Empty batch: a single error, not an array.
  const since = c.mark();
  await c.sendRaw('[]\n');
  const reply = await nullIdReply(c, since);
  assertError(reply.error, -32600);
  assert.ok(!Array.isArray(c.messages[c.messages.length - 1]), 'the empty batch gets a single error object');
  // The session still works.
  assert.ok((await c.call('thread/list', {})).data);
});

e2eTest('unknown methods get -32601 naming the method', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  assertError(await c.callError('does/notExist', {}), -32601, 'does/notExist');
  // Codex methods Spool does not serve.
  for (const method of ['marketplace/add', 'fs/readFile', 'threadSection/list']) {
    assertError(await c.callError(method, {}), -32601, method);
  }
});

e2eTest('invalid params get -32602 naming the field and what was expected', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  let e = await c.callError('thread/list', { limit: 'ten' });
  assertError(e, -32602, 'params.limit');
  assert.match(e.message, /expected/i);
  e = await c.callError('thread/list', { sortKey: 'bogus' });
  assertError(e, -32602, 'params.sortKey');
  e = await c.callError('thread/list', { archived: 'yes' });
  assertError(e, -32602, 'params.archived');
  e = await c.callError('thread/read', {});
  assertError(e, -32602, 'threadId');
  e = await c.callError('thread/read', { threadId: 5 });
  assertError(e, -32602, 'params.threadId');
  assert.match(e.message, /expected/i);
  e = await c.callError('thread/resume', {});
  assertError(e, -32602, 'threadId');
  e = await c.callError('thread/name/set', { threadId: UNKNOWN_ID });
  assertError(e, -32602, 'name');
  e = await c.callError('thread/revert', { threadId: UNKNOWN_ID });
  assertError(e, -32602, 'beforeTurnId');
  e = await c.callError('thread/start', { cwd: 17 });
  assertError(e, -32602, 'params.cwd');
  e = await c.callError('thread/start', { sandbox: 'nonsense' });
  assertError(e, -32602, 'params.sandbox');
  e = await c.callError('initialize', { clientInfo: { name: 'x', version: '1' } });
  assertError(e, -32600, 'Already initialized');
  // params of the wrong JSON type altogether.
  e = await c.callError('thread/read', 'a string');
  assert.ok([-32600, -32602].includes(e.code), `got ${e.code}: ${e.message}`);
  // Malformed thread ids are invalid params, not unknown threads.
  for (const method of ['thread/read', 'thread/resume', 'thread/archive', 'thread/unarchive', 'thread/delete', 'thread/fork', 'thread/turns/list']) {
    e = await c.callError(method, { threadId: 'not-a-uuid' });
    assertError(e, -32602);
  }
  e = await c.callError('thread/name/set', { threadId: 'not-a-uuid', name: 'x' });
  assertError(e, -32602);
});

e2eTest('initialize with bad params gets -32602 and leaves the session uninitialized', async (h) => {
  const c = h.serveStdio().client;
  let e = await c.callError('initialize', {});
  assertError(e, -32602, 'clientInfo');
  e = await c.callError('initialize', { clientInfo: { name: 5, version: '1' } });
  assertError(e, -32602, 'params.clientInfo.name');
  assertError(await c.callError('thread/list', {}), NOT_INITIALIZED, 'Not initialized');
  await c.initialize();
});

e2eTest('CRLF line endings are accepted and blank lines are ignored', async (h) => {
  const c = h.serveStdio().client;
  await c.sendRaw('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"crlf","version":"1"}}}\r\n');
  c.rememberSent({ id: 1, method: 'initialize' });
  const init = await c.responseTo(1);
  assert.ok(init.result, JSON.stringify(init.error));
  const since = c.mark();
  await c.sendRaw('\n\r\n   \n\t\r\n{"id":2,"method":"thread/list","params":{}}\r\n\n');
  const list = await c.responseTo(2);
  assert.ok(list.result, JSON.stringify(list.error));
  await c.expectNone((m) => m.id !== 2, 150, since, 'reply to a blank line');
});

e2eTest('a line over --max-line-bytes gets -32600 with id null and the next line is handled', async (h) => {
  const c = h.serveStdio({ args: ['--max-line-bytes', '4096'] }).client;
  await c.initialize();
  // A request just under the cap works.
  const pad = 'x'.repeat(3000);
  const small = await c.request('thread/list', { searchTerm: pad });
  assert.ok(small.result, JSON.stringify(small.error));
  // Over the cap, in one write, followed by a good line.
  let since = c.mark();
  const big = JSON.stringify({ jsonrpc: '2.0', id: 777, method: 'thread/list', params: { searchTerm: 'y'.repeat(20000) } });
  await c.sendRaw(big + '\n' + JSON.stringify({ jsonrpc: '2.0', id: 778, method: 'thread/loaded/list', params: {} }) + '\n');
  const err = await nullIdReply(c, since);
  assertError(err.error, -32600);
  c.rememberSent({ id: 778, method: 'thread/loaded/list' });
  const next = await c.responseTo(778);
  assert.ok(next.result, JSON.stringify(next.error));
  assert.equal(c.flat.slice(since).filter((m) => m.id === 777).length, 0, 'the oversized request itself is never answered by id');
  // Over the cap, trickled in pieces (the server must not wait for the end to answer only
  // once, nor answer more than once), then a good line.
  since = c.mark();
  const huge = '{"jsonrpc":"2.0","id":779,"method":"thread/list","params":{"searchTerm":"' + 'z'.repeat(200000) + '"}}';
  for (let i = 0; i < huge.length; i += 16384) {
    await c.sendRaw(huge.slice(i, i + 16384));
  }
  await c.sendRaw('\n{"id":780,"method":"thread/list","params":{}}\n');
  c.rememberSent({ id: 780, method: 'thread/list' });
  const after = await c.responseTo(780);
  assert.ok(after.result, JSON.stringify(after.error));
  await sleep(50);
  const nullErrors = c.flat.slice(since).filter((m) => m.id === null);
  assert.equal(nullErrors.length, 1, `exactly one error for the oversized line, got ${JSON.stringify(nullErrors)}`);
  assertError(nullErrors[0].error, -32600);
});

e2eTest('a batch gets one array reply with the answers in order; notifications in it get none', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  let since = c.messages.length;
  await c.send([
    { jsonrpc: '2.0', id: 101, method: 'thread/list', params: {} },
    { jsonrpc: '2.0', method: 'initialized' },
    { jsonrpc: '2.0', id: 'b', method: 'does/notExist', params: {} },
    { jsonrpc: '2.0', id: 103, method: 'thread/loaded/list', params: {} },
    42,
  ]);
  const reply = await c.waitFor(() => c.messages.slice(since).find((m) => Array.isArray(m)), 5000, 'batch reply');
  assert.deepEqual(reply.map((m) => m.id), [101, 'b', 103, null], `answers in batch order: ${JSON.stringify(reply).slice(0, 500)}`);
  assert.ok(reply[0].result);
  assertError(reply[1].error, -32601);
  assert.ok(reply[2].result);
  assertError(reply[3].error, -32600);
  // The batch's answers come only inside the array.
  await sleep(100);
  assert.equal(c.messages.slice(since).length, 1, `one line for the batch: ${JSON.stringify(c.messages.slice(since)).slice(0, 500)}`);

  // A batch of only notifications: no reply at all.
  since = c.messages.length;
  await c.send([{ jsonrpc: '2.0', method: 'initialized' }, { jsonrpc: '2.0', method: 'does/notExist' }]);
  const ping = await c.call('thread/loaded/list', {});
  assert.ok(ping.data);
  await sleep(100);
  assert.equal(c.messages.slice(since).length, 1, `only the ping is answered: ${JSON.stringify(c.messages.slice(since)).slice(0, 500)}`);

  // A batch before initialize: initialize inside it opens the gate for the rest? Not
  // specified; but a batch of requests on a fresh session is answered element by element.
  const fresh = h.serveStdio().client;
  const s2 = fresh.messages.length;
  await fresh.send([
    { jsonrpc: '2.0', id: 1, method: 'thread/list', params: {} },
    { jsonrpc: '2.0', id: 2, method: 'initialize', params: { clientInfo: { name: 'b', version: '1' } } },
  ]);
  const r2 = await fresh.waitFor(() => fresh.messages.slice(s2).find((m) => Array.isArray(m)), 5000, 'batch reply');
  assert.deepEqual(r2.map((m) => m.id), [1, 2]);
  assertError(r2[0].error, NOT_INITIALIZED, 'Not initialized');
  assert.ok(r2[1].result, JSON.stringify(r2[1].error));
});

e2eTest('notifications never get a reply, even when they fail', async (h) => {
  const c = h.serveStdio().client;
  // Before initialize too.
  await c.notify('thread/list', {});
  await c.initialize();
  const since = c.mark();
  await c.notify('does/notExist', {});
  await c.notify('thread/read', { threadId: 'not-a-uuid' });
  await c.notify('thread/read', { threadId: UNKNOWN_ID });
  await c.notify('thread/list', { limit: 'ten' });
  await c.sendRaw('{"jsonrpc":"2.0","method":"thread/loaded/list","params":{}}\n');
  const ping = await c.request('thread/loaded/list', {});
  assert.ok(ping.result);
  await sleep(150);
  const others = c.flat.slice(since).filter((m) => m.id !== ping.id);
  assert.deepEqual(others, [], 'nothing but the ping reply');
  assert.equal(c.flat.filter((m) => m.id === null).length, 0, 'no error with id null for a notification');
});

e2eTest('every request gets exactly one answer, also when pipelined', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  const lines = [];
  const ids = [];
  for (let i = 0; i < 60; i++) {
    const id = 1000 + i;
    ids.push(id);
    const kind = i % 5;
    const msg = kind === 0 ? { jsonrpc: '2.0', id, method: 'thread/start', params: {} }
      : kind === 1 ? { jsonrpc: '2.0', id, method: 'thread/list', params: { limit: 3 } }
        : kind === 2 ? { jsonrpc: '2.0', id, method: 'thread/read', params: { threadId: UNKNOWN_ID } }
          : kind === 3 ? { jsonrpc: '2.0', id, method: 'does/notExist' }
            : { jsonrpc: '2.0', id: `s${id}`, method: 'thread/loaded/list', params: {} };
    if (kind === 4) ids[ids.length - 1] = `s${id}`;
    lines.push(JSON.stringify(msg));
  }
  await c.sendRaw(lines.join('\n') + '\n');
  await c.waitFor(() => ids.every((id) => c.flat.some((m) => m.id === id && m.method === undefined)), 15000, 'all 60 answers');
  await sleep(100);
  for (const id of ids) {
    const answers = c.flat.filter((m) => m.id === id && m.method === undefined);
    assert.equal(answers.length, 1, `id ${id} answered ${answers.length} times`);
  }
  for (const id of ids.filter((x) => Number.isInteger(x) && x % 5 === 2)) {
    assertError(c.flat.find((m) => m.id === id).error, -32004, UNKNOWN_ID);
  }
  // The ten thread/start notifications arrived as well.
  await c.waitFor(() => c.notifications('thread/started').length === 12, 5000, '12 thread/started').catch(() => {});
  assert.equal(c.notifications('thread/started').length, 12);
});

e2eTest('unknown thread ids get -32004 naming the id', async (h) => {
  const c = h.serveStdio().client;
  await c.initialize();
  const calls = [
    ['thread/read', { threadId: UNKNOWN_ID }],
    ['thread/read', { threadId: UNKNOWN_ID, includeTurns: true }],
    ['thread/resume', { threadId: UNKNOWN_ID }],
    ['thread/archive', { threadId: UNKNOWN_ID }],
    ['thread/unarchive', { threadId: UNKNOWN_ID }],
    ['thread/name/set', { threadId: UNKNOWN_ID, name: 'n' }],
    ['thread/delete', { threadId: UNKNOWN_ID }],
    ['thread/fork', { threadId: UNKNOWN_ID }],
    ['thread/turns/list', { threadId: UNKNOWN_ID }],
    ['thread/revert', { threadId: UNKNOWN_ID, beforeTurnId: UNKNOWN_ID }],
  ];
  for (const [method, params] of calls) {
    const e = await c.callError(method, params);
    assert.equal(e.code, -32004, `${method}: expected -32004, got ${e.code} ${e.message}`);
    assert.ok(e.message.includes(UNKNOWN_ID), `${method}: message should name the id: ${e.message}`);
  }
  // Unsubscribing from an unknown thread is not an error: it is not loaded.
  const r = await c.request('thread/unsubscribe', { threadId: UNKNOWN_ID });
  if (r.error) assertError(r.error, -32004, UNKNOWN_ID);
  else assert.equal(r.result.status, 'notLoaded');
});

e2eTest('capabilities.optOutNotificationMethods suppresses exactly those methods', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize({
    clientInfo: { name: 'optout', version: '1' },
    capabilities: { experimentalApi: false, optOutNotificationMethods: ['thread/started', 'thread/name/updated'] },
  });
  const since = c.mark();
  const { thread } = await c.call('thread/start', {});
  await c.call('thread/name/set', { threadId: thread.id, name: 'quiet' });
  await c.call('thread/archive', { threadId: thread.id });
  await c.waitNotification('thread/archived', (p) => p.threadId === thread.id, { since });
  await c.expectNone((m) => m.method === 'thread/started' || m.method === 'thread/name/updated', 150, since, 'opted-out notification');
});
