// Shutdown: stdin EOF (stdio) and SIGTERM (stdio and --listen). In-flight requests are
// answered, the exit status is 0, and what was written is in the database afterwards.
import fs from 'node:fs';
import { e2eTest, assert, sleep } from './harness.mjs';

// Sends `n` thread/start requests in one write; returns their ids.
async function pipelineStarts(c, n, firstId = 100) {
  const ids = [];
  const lines = [];
  for (let i = 0; i < n; i++) {
    ids.push(firstId + i);
    lines.push(JSON.stringify({ jsonrpc: '2.0', id: firstId + i, method: 'thread/start', params: {} }));
  }
  await c.sendRaw(lines.join('\n') + '\n');
  return ids;
}

// How many of `threadIds` a fresh server on the same database can read.
async function countStored(h, threadIds) {
  const { client } = await h.initializedStdio();
  let n = 0;
  for (const threadId of threadIds) {
    const r = await client.request('thread/read', { threadId });
    if (r.result) n++;
  }
  client.close();
  return n;
}

function startedIds(c, requestIds) {
  return requestIds.map((id) => c.flat.find((m) => m.id === id && m.result)?.result.thread.id).filter(Boolean);
}

e2eTest('stdin EOF: in-flight requests are answered, exit status 0', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  const ids = await pipelineStarts(c, 20);
  c.close(); // EOF right behind the requests
  const exit = await server.waitExit(15000);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit status; stderr:\n${server.stderr}`);
  await c.waitClosed();
  for (const id of ids) {
    const answers = c.flat.filter((m) => m.id === id && m.method === undefined);
    assert.equal(answers.length, 1, `request ${id} answered ${answers.length} times before exit`);
    assert.ok(answers[0].result, JSON.stringify(answers[0].error));
  }
  assert.equal(await countStored(h, startedIds(c, ids)), 20, 'the 20 threads are in the database');
});

e2eTest('stdin EOF right after the last line without a newline: the partial line is not lost silently', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  await c.sendRaw('{"jsonrpc":"2.0","id":5,"method":"thread/list","params":{}}');
  c.rememberSent({ id: 5, method: 'thread/list' });
  c.close();
  const exit = await server.waitExit(10000);
  assert.equal(exit.code, 0);
  // Either answered (a final line without its newline is still a line) or ignored, but no
  // crash and no malformed output; the central validation checks the output.
  const answers = c.flat.filter((m) => m.id === 5);
  assert.ok(answers.length <= 1);
});

e2eTest('SIGTERM on a stdio server: answers what is in flight, exit status 0', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  await c.call('thread/start', {});
  const ids = await pipelineStarts(c, 10, 200);
  // Wait until the server has at least started answering, then terminate.
  await c.waitFor(() => c.flat.some((m) => m.id === 200), 5000, 'first answer');
  server.kill('SIGTERM');
  const exit = await server.waitExit(15000);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit status; stderr:\n${server.stderr}`);
  // Every request it read was answered exactly once; none is answered twice.
  for (const id of ids) {
    const answers = c.flat.filter((m) => m.id === id && m.method === undefined);
    assert.ok(answers.length <= 1, `request ${id} answered ${answers.length} times`);
  }
  const answered = startedIds(c, ids);
  assert.ok(answered.length >= 1);
  const stored = await countStored(h, answered);
  assert.equal(stored, answered.length, `every answered thread/start is stored (${stored} stored, ${answered.length} answered)`);
});

e2eTest('SIGTERM while idle exits 0 at once', async (h) => {
  const { server } = await h.initializedStdio();
  await sleep(50);
  const t0 = Date.now();
  server.kill('SIGTERM');
  const exit = await server.waitExit(5000);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 3000, 'exits promptly');
});

e2eTest('SIGTERM on a --listen server with clients connected: exit 0, sockets closed, socket file removed', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  const { thread } = await a.call('thread/start', {});
  await b.waitNotification('thread/started', (p) => p.thread?.id === thread.id);
  const inflight = a.request('thread/list', {}, { timeout: 10000 }).catch((e) => e);
  server.kill('SIGTERM');
  const exit = await server.waitExit(15000);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit status; stderr:\n${server.stderr}`);
  await a.waitClosed(5000);
  await b.waitClosed(5000);
  const r = await inflight;
  // The request was either answered before the close or the connection closed before the
  // server read it; never a half-written line (checked by the validation).
  assert.ok(r instanceof Error || r.result, `in-flight answer: ${JSON.stringify(r)?.slice(0, 200)}`);
  assert.ok(!fs.existsSync(server.socketPath), 'the socket file is removed on shutdown');
  // The database is consistent: the thread is there.
  const { client } = await h.initializedStdio();
  const read = await client.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.id, thread.id);
});

e2eTest('stdin EOF on a --listen server does not stop it; SIGTERM does', async (h) => {
  const server = await h.serveUnix();
  server.proc.stdin.end();
  await sleep(200);
  assert.ok(!server.exited, 'a --listen server ignores stdin EOF');
  const c = await server.connect('A');
  await c.initialize();
  server.kill('SIGTERM');
  assert.equal((await server.waitExit(10000)).code, 0);
});

e2eTest('no stray output: stdout carries only JSON-RPC lines, logs go to stderr', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  await c.call('thread/start', {});
  await c.sendRaw('garbage\n');
  await c.call('thread/list', {});
  c.close();
  assert.equal((await server.waitExit(10000)).code, 0);
  // Every stdout line parsed as JSON (a non-JSON line fails the central validation too).
  assert.deepEqual(c.lines.filter((l) => l.parseError).map((l) => l.raw), []);
});
