// account/read, account/login/start {type: "apiKey"}, account/logout and account/updated
// against `spool serve`: the key is stored in $SPOOL_HOME/auth.json with mode 0600, survives
// a restart, is used by turns of a provider with requires_openai_auth, and never appears in
// the server's log or the database. A file others can read is refused with a message. The
// ChatGPT browser sign-in: chatgpt_login.test.mjs.
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eTest, assert, assertError, mockConfig, runTurn,
} from './harness.mjs';

const KEY = 'sk-spool-e2e-CANARY-7f3a9c1d2e';

function authFile(h) {
  return path.join(h.home, 'auth.json');
}

function modeOf(file) {
  return fs.statSync(file).mode & 0o777;
}

// Every byte of the database files, to look for the key in.
function databaseBytes(h) {
  return ['spool.db', 'spool.db-wal', 'spool.db-shm']
    .map((f) => path.join(h.home, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString('latin1'))
    .join('');
}

async function stopServer(server) {
  server.proc.stdin.end();
  const { code } = await server.waitExit(10000);
  assert.equal(code, 0, server.stderr);
}

e2eTest('account/read: nobody signed in; requiresOpenaiAuth follows the default provider', async (h) => {
  const { server, client } = await h.initializedStdio();
  assert.deepEqual(await client.call('account/read', {}), { account: null, requiresOpenaiAuth: true, userId: null });
  await stopServer(server);

  await h.startMockProvider(); // the default provider becomes "mock", which needs no OpenAI sign-in
  const second = await h.initializedStdio();
  assert.deepEqual(await second.client.call('account/read', {}), { account: null, requiresOpenaiAuth: false, userId: null });
  assert.deepEqual(await second.client.call('account/read'), { account: null, requiresOpenaiAuth: false, userId: null }, 'params may be left out');
});

e2eTest('an API key login is stored with mode 0600, notified, read back, and kept across a restart', async (h) => {
  const { server, client } = await h.initializedStdio();
  const since = client.mark();
  const r = await client.call('account/login/start', { type: 'apiKey', apiKey: KEY });
  assert.deepEqual(r, { type: 'apiKey' });
  const completed = await client.waitNotification('account/login/completed', () => true, { since });
  assert.deepEqual(completed.params, { loginId: null, success: true, error: null });
  const updated = await client.waitNotification('account/updated', () => true, { since });
  assert.deepEqual(updated.params, { authMode: 'apikey', planType: null });
  // The answer comes first, then the notifications.
  const order = client.flat.slice(since).map((m) => m.method ?? 'answer');
  assert.deepEqual(order.filter((m) => ['answer', 'account/login/completed', 'account/updated'].includes(m)),
    ['answer', 'account/login/completed', 'account/updated']);

  assert.equal(modeOf(authFile(h)), 0o600, 'auth.json is readable by its owner only');
  const stored = JSON.parse(fs.readFileSync(authFile(h), 'utf8'));
  assert.equal(stored.auth_mode, 'apikey');
  assert.equal(stored.OPENAI_API_KEY, KEY);
  assert.deepEqual((await client.call('account/read', {})).account, { type: 'apiKey' });
  await stopServer(server);

  const again = await h.initializedStdio();
  assert.deepEqual((await again.client.call('account/read', {})).account, { type: 'apiKey' }, 'the login survives a restart');
  await stopServer(again.server);

  for (const s of h.servers) assert.ok(!s.stderr.includes(KEY), 'the key is not in the server log');
  assert.ok(!databaseBytes(h).includes(KEY), 'the key is not in the database');
});

e2eTest('account/logout removes auth.json and notifies account/updated', async (h) => {
  const { client } = await h.initializedStdio();
  await client.call('account/login/start', { type: 'apiKey', apiKey: KEY });
  assert.ok(fs.existsSync(authFile(h)));
  // The login's own account/updated follows its answer: wait for it, so that it cannot be
  // taken for the logout's.
  await client.waitNotification('account/updated', (p) => p.authMode === 'apikey');
  const since = client.mark();
  assert.deepEqual(await client.call('account/logout'), {});
  const updated = await client.waitNotification('account/updated', () => true, { since });
  assert.deepEqual(updated.params, { authMode: null, planType: null });
  assert.ok(!fs.existsSync(authFile(h)), 'auth.json is gone');
  assert.equal((await client.call('account/read', {})).account, null);
  assert.deepEqual(await client.call('account/logout', {}), {}, 'logging out twice is fine');
});

e2eTest('login notifications reach every client, not only the caller', async (h) => {
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  await a.call('account/login/start', { type: 'apiKey', apiKey: KEY });
  assert.deepEqual((await b.waitNotification('account/updated')).params, { authMode: 'apikey', planType: null });
  await b.waitNotification('account/login/completed');
  await a.call('account/logout');
  await b.waitNotification('account/updated', (p) => p.authMode === null);
});

e2eTest('an auth.json that others can read is refused with a clear message', async (h) => {
  fs.writeFileSync(authFile(h), JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: KEY }), { mode: 0o644 });
  fs.chmodSync(authFile(h), 0o644);
  const mock = await h.startMockProvider({ config: false });
  h.writeConfig(`${mockConfig(mock)}requires_openai_auth = true\n`);
  const { server, client } = await h.initializedStdio();
  assert.equal((await client.call('account/read', {})).account, null, 'the refused file counts as signed out');
  assert.match(server.stderr, /auth\.json.*(readable|mode)/i, 'the log says why');
  const { thread } = await client.call('thread/start', {});
  const e = await client.callError('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'hi' }] });
  assertError(e, -32600, /needs an API key.*sign in.*not used.*(readable|mode)/is);
  assert.ok(!server.stderr.includes(KEY) && !e.message.includes(KEY), 'the refused key is not echoed');

  // Signing in again writes a new file with mode 0600, which is then used.
  await client.call('account/login/start', { type: 'apiKey', apiKey: KEY });
  assert.equal(modeOf(authFile(h)), 0o600);
  assert.deepEqual((await client.call('account/read', {})).account, { type: 'apiKey' });
});

e2eTest('turns of a provider with requires_openai_auth send the stored key', async (h) => {
  const mock = await h.startMockProvider({ config: false });
  h.writeConfig(`${mockConfig(mock)}requires_openai_auth = true\n`);
  const { client } = await h.initializedStdio();
  const { thread } = await client.call('thread/start', { cwd: h.tmpdir('cwd') });
  const e = await client.callError('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'hi' }] });
  assertError(e, -32600, /model provider 'mock' needs an API key: sign in \(account\/login\/start\)/);

  await client.call('account/login/start', { type: 'apiKey', apiKey: KEY });
  const t = await runTurn(client, thread.id, 'hello');
  assert.equal(t.turn.status, 'completed');
  const reqs = await mock.get('/requests?full=1');
  assert.equal(reqs.at(-1).headers.authorization, `Bearer ${KEY}`);
  assert.ok(!h.servers[0].stderr.includes(KEY));
  assert.ok(!databaseBytes(h).includes(KEY), 'the key is not in the event store');
});

e2eTest('bad login params are refused; cancelling an unknown login says notFound', async (h) => {
  const { client } = await h.initializedStdio();
  assertError(await client.callError('account/login/start', { type: 'apiKey', apiKey: '' }), -32602, /apiKey/);
  assertError(await client.callError('account/login/start', { type: 'apiKey', apiKey: 'a b' }), -32602, /apiKey/);
  assertError(await client.callError('account/login/start', { type: 'apiKey' }), -32602, /apiKey/);
  assertError(await client.callError('account/login/start', { type: 'password', password: 'x' }), -32602, /type/);
  assertError(await client.callError('account/login/start', {}), -32602);
  assert.deepEqual(await client.call('account/login/cancel', { loginId: 'no-such-login' }), { status: 'notFound' });
  assertError(await client.callError('account/login/cancel', {}), -32602, /loginId/);
  assert.ok(!fs.existsSync(authFile(h)), 'nothing was stored');
});
