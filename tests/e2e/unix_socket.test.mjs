// `spool serve --listen unix:PATH` and `--listen tcp:127.0.0.1:PORT`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { e2eTest, assert, assertError, sleep, FIXTURE } from './harness.mjs';

e2eTest('--listen unix:PATH announces itself on stderr and serves a whole session', async (h) => {
  await h.importCodex();
  const server = await h.serveUnix();
  assert.equal(server.listenLine.trim(), `spool serve: listening on unix:${server.socketPath}`);
  assert.ok(fs.statSync(server.socketPath).isSocket());
  const c = await server.connect('unix');
  const init = await c.initialize();
  assert.equal(init.platformOs, 'linux');
  const list = await c.call('thread/list', { modelProviders: [] });
  assert.equal(list.data.length, 3);
  const resumed = await c.call('thread/resume', { threadId: FIXTURE.hello });
  assert.equal(resumed.thread.turns.length, 3);
  const { thread } = await c.call('thread/start', {});
  await c.waitNotification('thread/started', (p) => p.thread?.id === thread.id);
  // Framing over the socket: CRLF, blank lines, a batch, garbage, split writes.
  const since = c.mark();
  await c.sendRaw('\r\n{"id":"crlf","method":"thread/loaded/list","params":{}}\r\n');
  c.rememberSent({ id: 'crlf', method: 'thread/loaded/list' });
  assert.ok((await c.responseTo('crlf')).result);
  await c.sendRaw('{"id":"spl');
  await sleep(30);
  await c.sendRaw('it","method":"thread/list","params":{}}\n');
  c.rememberSent({ id: 'split', method: 'thread/list' });
  assert.ok((await c.responseTo('split')).result);
  await c.sendRaw('{oops\n');
  const err = await c.waitFor(() => c.flat.slice(since).find((m) => m.id === null), 5000, 'parse error');
  assertError(err.error, -32700);
  // Stdout stays clean: with --listen nothing is written there.
  assert.equal(server.stdout, '');
});

e2eTest('the server keeps serving across connections; a connection that closes mid-line is dropped quietly', async (h) => {
  await h.importCodex();
  const server = await h.serveUnix();
  for (let i = 0; i < 3; i++) {
    const c = await server.connect(`seq${i}`);
    await c.initialize();
    await c.call('thread/name/set', { threadId: FIXTURE.hello, name: `round ${i}` });
    c.close();
  }
  // Half a line, then close.
  const raw = net.createConnection({ path: server.socketPath });
  await new Promise((r) => raw.once('connect', r));
  raw.write('{"id":1,"method":"initialize","params":{"clientInfo"');
  raw.destroy();
  // Many connections at once.
  const clients = await Promise.all([...Array(8).keys()].map((i) => server.connect(`par${i}`)));
  await Promise.all(clients.map((c) => c.initialize()));
  const lists = await Promise.all(clients.map((c) => c.call('thread/list', { modelProviders: [] })));
  for (const l of lists) assert.equal(l.data.length, 3);
  const read = await clients[0].call('thread/read', { threadId: FIXTURE.hello });
  assert.equal(read.thread.name, 'round 2');
  assert.ok(!server.exited);
});

e2eTest('a stale socket file is replaced; a live one is refused', async (h) => {
  const dir = h.tmpdir('sock');
  const sock = path.join(dir, 's.sock');
  // A stale socket: bound by a process that exited without removing it.
  execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.exit(0))`]);
  assert.ok(fs.statSync(sock).isSocket(), 'the stale socket file exists');
  const server = await h.serveListen(`unix:${sock}`);
  const c = await server.connect('A');
  await c.initialize();
  // A second server on the same live path fails and exits non-zero.
  const second = h.serveStdio({ args: ['--listen', `unix:${sock}`] });
  const exit = await second.waitExit(10000);
  assert.notEqual(exit.code, 0, 'a second server on a live socket path must fail');
  assert.match(second.stderr, new RegExp(sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  // The first one still serves.
  assert.ok((await c.call('thread/list', {})).data);
});

e2eTest('--listen tcp:127.0.0.1:0 picks a port and announces it', async (h) => {
  const server = await h.serveListen('tcp:127.0.0.1:0');
  assert.equal(server.address.type, 'tcp');
  assert.ok(server.address.port > 0, `a real port: ${server.listenLine}`);
  assert.match(server.listenLine.trim(), /^spool serve: listening on tcp:127\.0\.0\.1:\d+$/);
  const a = await server.connect('tcpA');
  const b = await server.connect('tcpB');
  await a.initialize();
  await b.initialize();
  const { thread } = await a.call('thread/start', {});
  await b.waitNotification('thread/started', (p) => p.thread?.id === thread.id);
});

e2eTest('--listen on a non-loopback TCP address is refused', async (h) => {
  const s = h.serveStdio({ args: ['--listen', 'tcp:0.0.0.0:0'] });
  const exit = await s.waitExit(10000);
  assert.notEqual(exit.code, 0);
  assert.match(s.stderr, /loopback/i);
  const bad = h.serveStdio({ args: ['--listen', 'carrier-pigeon:1'] });
  const exit2 = await bad.waitExit(10000);
  assert.notEqual(exit2.code, 0);
});
