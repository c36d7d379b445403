// Rate limits and credits: the x-codex-* headers of every model response become a
// RateLimitSnapshot stored in the database (a history; the newest is served), read with
// account/rateLimits/read, notified with account/rateLimits/updated when it changes, kept
// across restarts, and shown by `spool status` (bars, and a Credits line only when credits
// were reported). The mock provider's headers are set per test (POST /control/headers).
import {
  e2eTest, assert, runTurn, sleep, stdioThread,
} from './harness.mjs';

const NOW_S = Math.floor(Date.now() / 1000);
const PRIMARY_RESET = NOW_S + 2 * 3600;
const SECONDARY_RESET = NOW_S + 3 * 24 * 3600;

// Fixed headers (the mock's defaults move resetsAt with the clock).
function headers(overrides = {}) {
  return {
    'x-codex-primary-used-percent': '12.5',
    'x-codex-primary-window-minutes': '300',
    'x-codex-primary-reset-at': String(PRIMARY_RESET),
    'x-codex-secondary-used-percent': '40',
    'x-codex-secondary-window-minutes': '10080',
    'x-codex-secondary-reset-at': String(SECONDARY_RESET),
    'x-codex-credits-has-credits': 'true',
    'x-codex-credits-unlimited': 'false',
    'x-codex-credits-balance': '42.5',
    ...overrides,
  };
}

const NO_CREDITS = {
  'x-codex-credits-has-credits': null, 'x-codex-credits-unlimited': null, 'x-codex-credits-balance': null,
};

async function setHeaders(mock, h) {
  const res = await fetch(`http://127.0.0.1:${mock.port}/control/headers`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(h),
  });
  assert.equal(res.status, 200);
}

async function status(h) {
  const r = await h.run(['status']);
  assert.equal(r.code, 0, `spool status failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const EMPTY_SNAPSHOT = {
  limitId: null, limitName: null, normalModelSlug: null, primary: null, secondary: null,
  credits: null, planType: null, rateLimitReachedType: null,
};

e2eTest('rate limits: nothing reported yet', async (h) => {
  await h.startMockProvider();
  const { client } = await h.initializedStdio();
  assert.deepEqual(await client.call('account/rateLimits/read'), { rateLimits: EMPTY_SNAPSHOT, rateLimitsByLimitId: null });
  assert.deepEqual(await client.call('account/rateLimits/read', {}), { rateLimits: EMPTY_SNAPSHOT, rateLimitsByLimitId: null });
  const out = await status(h);
  assert.match(out, /not reported yet/i);
  assert.doesNotMatch(out, /Credits/);
});

e2eTest('rate limits: headers are stored, read, notified once per change and kept across a restart', async (h) => {
  const { mock, server, client, thread } = await stdioThread(h);
  await setHeaders(mock, headers());
  const since = client.mark();
  await runTurn(client, thread.id, 'one');
  const first = (await client.waitNotification('account/rateLimits/updated', () => true, { since })).params.rateLimits;
  const expected = {
    ...EMPTY_SNAPSHOT,
    limitId: 'codex', // the default limit, as Codex names it
    primary: { usedPercent: 13, windowDurationMins: 300, resetsAt: PRIMARY_RESET }, // 12.5 rounds half away from zero
    secondary: { usedPercent: 40, windowDurationMins: 10080, resetsAt: SECONDARY_RESET },
    credits: { hasCredits: true, unlimited: false, balance: '42.5' },
  };
  assert.deepEqual(first, expected);
  const read = await client.call('account/rateLimits/read', {});
  assert.deepEqual(read.rateLimits, expected);
  assert.deepEqual(read.rateLimitsByLimitId, { codex: expected });

  // The same headers again: nothing changed, nothing notified.
  await runTurn(client, thread.id, 'two');
  await sleep(300);
  assert.equal(client.notifications('account/rateLimits/updated').length, 1, 'an unchanged snapshot is not notified again');

  // A change is notified; credits the provider stops sending are kept (as Codex does).
  await setHeaders(mock, headers({ 'x-codex-primary-used-percent': '50', ...NO_CREDITS }));
  const since3 = client.mark();
  await runTurn(client, thread.id, 'three');
  const changed = (await client.waitNotification('account/rateLimits/updated', () => true, { since: since3 })).params.rateLimits;
  assert.equal(changed.primary.usedPercent, 50);
  assert.deepEqual(changed.credits, expected.credits);

  server.proc.stdin.end();
  assert.equal((await server.waitExit(10000)).code, 0);
  const again = await h.initializedStdio();
  const after = await again.client.call('account/rateLimits/read', {});
  assert.equal(after.rateLimits.primary.usedPercent, 50, 'the newest snapshot survives a restart');

  const out = await status(h);
  assert.match(out, /5h limit:\s+\[█{10}░{10}\] 50% used/);
  assert.match(out, /Weekly limit:\s+\[█{8}░{12}\] 40% used/);
  assert.match(out, /Credits:\s+43 credits/, 'the balance rounded to a whole number');
});

e2eTest('rate limits: no credits reported, no Credits line', async (h) => {
  const { mock, client, thread } = await stdioThread(h);
  await setHeaders(mock, headers(NO_CREDITS));
  await runTurn(client, thread.id, 'one');
  const limits = (await client.waitNotification('account/rateLimits/updated')).params.rateLimits;
  assert.equal(limits.credits, null);
  assert.equal(limits.primary.usedPercent, 13);
  const out = await status(h);
  assert.match(out, /5h limit/);
  assert.doesNotMatch(out, /Credits/);
});

e2eTest('rate limits: unlimited credits', async (h) => {
  const { mock, client, thread } = await stdioThread(h);
  await setHeaders(mock, headers({ 'x-codex-credits-unlimited': 'true', 'x-codex-credits-balance': null }));
  await runTurn(client, thread.id, 'one');
  const limits = (await client.waitNotification('account/rateLimits/updated')).params.rateLimits;
  assert.deepEqual(limits.credits, { hasCredits: true, unlimited: true, balance: null });
  assert.match(await status(h), /Credits:\s+unlimited/i);
});

e2eTest('rate limits: a second client is notified too', async (h) => {
  const mock = await h.startMockProvider();
  await setHeaders(mock, headers());
  const server = await h.serveUnix();
  const a = await server.connect('A');
  const b = await server.connect('B');
  await a.initialize();
  await b.initialize();
  const { thread } = await a.call('thread/start', { cwd: h.tmpdir('cwd') });
  await runTurn(a, thread.id, 'hello');
  const seen = (await b.waitNotification('account/rateLimits/updated')).params.rateLimits;
  assert.equal(seen.primary.usedPercent, 13);
});
