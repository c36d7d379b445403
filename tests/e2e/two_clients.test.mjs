// Two (or more) clients on one `spool serve --listen unix:PATH`: separate sessions, shared
// threads, changes pushed to subscribers.
import { e2eTest, assert, assertError, listAll, FIXTURE, EVERY } from './harness.mjs';

const ALL = { modelProviders: [] };

e2eTest('each connection is its own session with its own initialize gate', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  assertError(await b.callError('thread/list', {}), -32002, 'Not initialized');
  await b.initialize();
  assert.ok((await b.call('thread/list', {})).data);
  assertError(await a.callError('initialize', { clientInfo: { name: 'x', version: '1' } }), -32600, 'Already initialized');
  // The same request id on both connections: each gets its own answer.
  const [ra, rb] = await Promise.all([a.request('thread/loaded/list', {}, { id: 'same' }), b.request('thread/list', {}, { id: 'same' })]);
  assert.ok(Array.isArray(ra.result.data));
  assert.ok(Array.isArray(rb.result.data));
  assert.ok(!('nextCursor' in ra.result) || ra.result.nextCursor === null);
  assert.ok('backwardsCursor' in rb.result, 'B got the thread/list answer, A the loaded/list one');
});

e2eTest('thread/started reaches every initialized connection, not uninitialized ones', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  const c = await server.connect('C'); // never initialized
  await a.initialize();
  await b.initialize();
  const sinceB = b.mark();
  const { thread } = await a.call('thread/start', {});
  await a.waitNotification('thread/started', (p) => p.thread?.id === thread.id);
  const nb = await b.waitNotification('thread/started', (p) => p.thread?.id === thread.id, { since: sinceB });
  assert.equal(nb.params.thread.id, thread.id);
  await c.expectNone(() => true, 200, 0, 'message to an uninitialized connection');
  // B can read it straight away.
  const read = await b.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.id, thread.id);
});

e2eTest('after B resumes a thread, A\'s name/set and archive reach B as notifications', async (h) => {
  await h.importCodex();
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  const resumed = await b.call('thread/resume', { threadId: FIXTURE.hello });
  assert.equal(resumed.thread.turns.length, 3);

  let since = b.mark();
  await a.call('thread/name/set', { threadId: FIXTURE.hello, name: 'named by A' });
  const named = await b.waitNotification('thread/name/updated', (p) => p.threadId === FIXTURE.hello, { since });
  assert.equal(named.params.threadName, 'named by A');
  // B reads A's change.
  assert.equal((await b.call('thread/read', { threadId: FIXTURE.hello })).thread.name, 'named by A');

  since = b.mark();
  await a.call('thread/archive', { threadId: FIXTURE.hello });
  await b.waitNotification('thread/archived', (p) => p.threadId === FIXTURE.hello, { since });
  // B's view of the world follows.
  assertError(await b.callError('thread/archive', { threadId: FIXTURE.hello }), -32009);
  since = b.mark();
  await a.call('thread/unarchive', { threadId: FIXTURE.hello });
  await b.waitNotification('thread/unarchived', (p) => p.threadId === FIXTURE.hello, { since });
});

e2eTest('a thread deleted by A is gone for B, with a thread/deleted notification to subscribers', async (h) => {
  await h.importCodex();
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  await b.call('thread/resume', { threadId: FIXTURE.decline });
  const since = b.mark();
  await a.call('thread/delete', { threadId: FIXTURE.decline });
  await b.waitNotification('thread/deleted', (p) => p.threadId === FIXTURE.decline, { since });
  assertError(await b.callError('thread/read', { threadId: FIXTURE.decline }), -32004, FIXTURE.decline);
});

e2eTest('opt-out is per connection', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize({ clientInfo: { name: 'a', version: '1' }, capabilities: { optOutNotificationMethods: ['thread/started'] } });
  await b.initialize();
  const { thread } = await b.call('thread/start', {});
  await b.waitNotification('thread/started', (p) => p.thread?.id === thread.id);
  // A still gets other notifications: resume and rename to check the connection is live.
  await a.call('thread/resume', { threadId: thread.id });
  const since = a.mark();
  await b.call('thread/name/set', { threadId: thread.id, name: 'x' });
  await a.waitNotification('thread/name/updated', (p) => p.threadId === thread.id, { since });
  assert.equal(a.notifications('thread/started').length, 0, 'A opted out of thread/started');
});

e2eTest('paging on one connection while another inserts: no duplicates, no skips', async (h) => {
  const initial = (await h.importCorpus({ threads: 30, seed: 31 })).active;
  const server = await h.serveUnix();
  const reader = await server.connect('reader');
  const writer = await server.connect('writer');
  await reader.initialize();
  await writer.initialize();
  let stop = false;
  const started = [];
  const imported = [];
  let seed = 300;
  const inserting = (async () => {
    while (!stop) {
      started.push((await writer.call('thread/start', {})).thread.id);
      imported.push(...(await h.importCorpus({ threads: 2, seed: seed++ })).active);
    }
  })();
  try {
    for (const sortDirection of ['desc', 'asc']) {
      const { threads } = await listAll(reader, { ...EVERY, limit: 4, sortDirection });
      const seen = threads.map((t) => t.id);
      assert.equal(new Set(seen).size, seen.length, `${sortDirection}: duplicates`);
      assert.deepEqual(initial.filter((id) => !seen.includes(id)), [], `${sortDirection}: skipped threads`);
    }
  } finally {
    stop = true;
    await inserting;
  }
  assert.ok(started.length > 0 && imported.length > 0, 'the writer inserted during the walk');
  const { threads } = await listAll(reader, { ...EVERY, limit: 100 });
  const listed = new Set(threads.map((t) => t.id));
  assert.deepEqual(imported.filter((id) => !listed.has(id)), [], 'every imported thread is listed afterwards');
});

e2eTest('a client that disconnects abruptly does not disturb the others', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  // A sends a request and vanishes before reading the answer.
  await a.sendRaw('{"id":901,"method":"thread/start","params":{}}\n{"id":902,"method":"thread/list","params":{}}\n');
  a.close();
  const { thread } = await b.call('thread/start', {});
  assert.equal((await b.call('thread/read', { threadId: thread.id })).thread.id, thread.id);
  assert.ok(!server.exited, 'the server is still running');
  const c = await server.connect('C');
  await c.initialize();
  assert.equal((await c.call('thread/read', { threadId: thread.id })).thread.id, thread.id);
});
