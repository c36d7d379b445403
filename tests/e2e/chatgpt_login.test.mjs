// The ChatGPT browser sign-in over JSON-RPC against a mock OAuth issuer
// (tests/tools/mock_oauth_issuer.mjs): account/login/start {type: "chatgpt"} answers
// {loginId, authUrl}; the test plays the browser (visits authUrl, follows the issuer's
// redirect to Spool's callback server on 127.0.0.1); account/login/completed and
// account/updated follow; the tokens are stored in auth.json (0600) and used by turns.
// Also: cancel, a second sign-in replacing the first, and the issuer refusing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eTest, assert, mockConfig, runTurn, withTimeout, REPO,
} from './harness.mjs';

const ISSUER = path.join(REPO, 'tests', 'tools', 'mock_oauth_issuer.mjs');

async function startIssuer(h) {
  const proc = spawn(process.execPath, [ISSUER], { stdio: ['pipe', 'pipe', 'pipe'] });
  h.procs.push(proc);
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  const port = await withTimeout(new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).port);
    });
    proc.on('exit', (code) => reject(new Error(`mock issuer exited (${code}): ${stderr}`)));
  }), 10000, 'the mock issuer to listen');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async control(settings) {
      const res = await fetch(`${url}/control`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings),
      });
      assert.equal(res.status, 200);
    },
  };
}

// A server whose sign-in goes to `issuer` (callback on any free port), its default provider
// the mock model provider with requires_openai_auth.
async function setup(h) {
  const issuer = await startIssuer(h);
  const mock = await h.startMockProvider({ config: false });
  const extra = [`login_issuer = "${issuer.url}"`, 'login_callback_port = 0'];
  h.writeConfig(`${mockConfig(mock, { extra })}requires_openai_auth = true\n`);
  const { server, client } = await h.initializedStdio();
  return { issuer, mock, server, client };
}

// The browser: visits authUrl, then the issuer's redirect (to Spool's callback server).
// Returns the callback's response {status, text}.
async function browse(authUrl) {
  const res = await fetch(authUrl, { redirect: 'manual' });
  assert.equal(res.status, 302, `the issuer redirects (got ${res.status})`);
  const location = res.headers.get('location').replace('//localhost:', '//127.0.0.1:');
  const callback = await fetch(location, { redirect: 'manual' });
  return { status: callback.status, text: await callback.text() };
}

e2eTest('a ChatGPT sign-in: authUrl, the browser, login/completed, account/updated, stored tokens used by turns', async (h) => {
  const { issuer, mock, client } = await setup(h);
  const since = client.mark();
  const r = await client.call('account/login/start', { type: 'chatgpt' });
  assert.equal(r.type, 'chatgpt');
  assert.ok(r.loginId.length > 0);
  const auth = new URL(r.authUrl);
  assert.equal(`${auth.origin}${auth.pathname}`, `${issuer.url}/oauth/authorize`);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.match(auth.searchParams.get('redirect_uri'), /^http:\/\/localhost:\d+\/auth\/callback$/);

  const page = await browse(r.authUrl);
  assert.equal(page.status, 200);
  assert.match(page.text, /Signed in/);
  const completed = await client.waitNotification('account/login/completed', (p) => p.loginId === r.loginId, { since });
  assert.deepEqual(completed.params, { loginId: r.loginId, success: true, error: null });
  const updated = await client.waitNotification('account/updated', () => true, { since });
  assert.deepEqual(updated.params, { authMode: 'chatgpt', planType: 'plus' });

  const account = await client.call('account/read', {});
  assert.deepEqual(account.account, { type: 'chatgpt', email: 'mock-user@example.com', planType: 'plus' });
  assert.equal(account.userId, 'mock-user-1');
  const file = path.join(h.home, 'auth.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(stored.auth_mode, 'chatgpt');
  assert.equal(stored.tokens.account_id, 'mock-account-1');
  for (const s of h.servers) assert.ok(!s.stderr.includes(stored.tokens.access_token), 'no token in the log');

  const { thread } = await client.call('thread/start', { cwd: h.tmpdir('cwd') });
  await runTurn(client, thread.id, 'hello');
  const sent = (await mock.get('/requests?full=1')).at(-1).headers;
  assert.equal(sent.authorization, `Bearer ${stored.tokens.access_token}`);
  assert.equal(sent['chatgpt-account-id'], 'mock-account-1');
});

e2eTest('account/login/cancel stops a sign-in; a new sign-in replaces the one in progress', async (h) => {
  const { client } = await setup(h);
  const first = await client.call('account/login/start', { type: 'chatgpt' });
  const second = await client.call('account/login/start', { type: 'chatgpt' });
  assert.notEqual(first.loginId, second.loginId);
  const replaced = await client.waitNotification('account/login/completed', (p) => p.loginId === first.loginId);
  assert.equal(replaced.params.success, false);
  assert.match(replaced.params.error, /cancel/);

  assert.deepEqual(await client.call('account/login/cancel', { loginId: second.loginId }), { status: 'canceled' });
  const cancelled = await client.waitNotification('account/login/completed', (p) => p.loginId === second.loginId);
  assert.equal(cancelled.params.success, false);
  assert.match(cancelled.params.error, /cancel/);
  assert.deepEqual(await client.call('account/login/cancel', { loginId: second.loginId }), { status: 'notFound' });
  // Its callback server is gone.
  await assert.rejects(browse(second.authUrl));
  assert.equal((await client.call('account/read', {})).account, null);
  assert.ok(!fs.existsSync(path.join(h.home, 'auth.json')));
});

e2eTest('the issuer refusing the sign-in ends it with success false and the reason', async (h) => {
  const { issuer, client } = await setup(h);
  await issuer.control({ mode: 'deny' });
  const r = await client.call('account/login/start', { type: 'chatgpt' });
  const page = await browse(r.authUrl);
  assert.ok(page.status >= 400);
  const done = await client.waitNotification('account/login/completed', (p) => p.loginId === r.loginId);
  assert.equal(done.params.success, false);
  assert.match(done.params.error, /access_denied/);
  assert.equal((await client.call('account/read', {})).account, null);
});
