// model/list (config [models.*], the built-in OpenAI catalog and the provider's GET /models,
// paged) and feedback/upload (stored in the database, posted to feedback_url when one is
// configured) against `spool serve` and the mock provider.
import { execFile } from 'node:child_process';
import path from 'node:path';
import {
  e2eTest, assert, assertError, mockConfig, UNKNOWN_ID, UUID_V7_RE,
} from './harness.mjs';

// Rows of a query on the test's database, through the sqlite3 command-line shell.
function sql(h, query) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-json', '-readonly', path.join(h.home, 'spool.db'), query], (error, stdout, stderr) => {
      if (error) reject(new Error(`sqlite3: ${stderr || error.message}`));
      else resolve(stdout.trim() ? JSON.parse(stdout) : []);
    });
  });
}

async function control(mock, what, body) {
  const res = await fetch(`http://127.0.0.1:${mock.port}/control/${what}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
}

const MODELS_TOML = [
  '',
  '[models.mock-model]',
  'display_name = "Mock Model"',
  'description = "The scripted mock"',
  'supported_reasoning_efforts = ["low", "medium"]',
  'default_reasoning_effort = "low"',
  '',
  '[models.mock-extra]',
  'display_name = "Mock Extra"',
  '',
  '[models.mock-hidden]',
  'hidden = true',
  '',
].join('\n');

async function serverWithModels(h) {
  const mock = await h.startMockProvider({ config: false });
  h.writeConfig(mockConfig(mock) + MODELS_TOML);
  const { server, client } = await h.initializedStdio();
  return { mock, server, client };
}

async function listAllModels(client, params = {}) {
  const seen = [];
  let cursor = null;
  for (let pages = 0; pages < 50; pages += 1) {
    const page = await client.call('model/list', { ...params, cursor });
    seen.push(...page.data);
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('model/list did not end');
}

e2eTest('model/list: config, then the provider\'s GET /models, default first, paged', async (h) => {
  const { client } = await serverWithModels(h);
  const all = await client.call('model/list', {});
  assert.equal(all.nextCursor, null);
  const slugs = all.data.map((m) => m.model);
  assert.deepEqual(slugs, ['mock-model', 'mock-extra', 'mock-reasoner-codex']);
  assert.deepEqual(all.data.map((m) => m.isDefault), [true, false, false]);
  const first = all.data[0];
  assert.equal(first.id, 'mock-model');
  assert.equal(first.displayName, 'Mock Model');
  assert.equal(first.description, 'The scripted mock');
  assert.equal(first.defaultReasoningEffort, 'low');
  assert.deepEqual(first.supportedReasoningEfforts.map((e) => e.reasoningEffort), ['low', 'medium']);
  assert.equal(all.data[1].displayName, 'Mock Extra');
  assert.equal(all.data[2].displayName, 'mock-reasoner-codex', 'known from GET /models only');
  assert.ok(all.data[2].supportedReasoningEfforts.length > 0, 'a codex model reasons');

  for (const limit of [1, 2, 5]) {
    const paged = await listAllModels(client, { limit });
    assert.deepEqual(paged.map((m) => m.model), slugs, `limit ${limit}: every model once, in order`);
  }
  const withHidden = await client.call('model/list', { includeHidden: true });
  assert.ok(withHidden.data.some((m) => m.model === 'mock-hidden' && m.hidden));
  assert.ok(!all.data.some((m) => m.model === 'mock-hidden'));

  assertError(await client.callError('model/list', { cursor: 'nope' }), -32602, /cursor/);
  assertError(await client.callError('model/list', { limit: 'ten' }), -32602, /limit/);
  assertError(await client.callError('model/list', { modelProvider: 'nowhere' }), -32602, /modelProvider.*nowhere/);
});

e2eTest('model/list: a provider whose GET /models fails still lists its configured models', async (h) => {
  const mock = await h.startMockProvider({ config: false });
  await control(mock, 'models', { status: 500, body: { error: 'down' } });
  h.writeConfig(mockConfig(mock) + MODELS_TOML);
  const { client } = await h.initializedStdio();
  const all = await client.call('model/list', {});
  assert.deepEqual(all.data.map((m) => m.model), ['mock-model', 'mock-extra']);
});

e2eTest('model/list: the built-in OpenAI catalog without network or key', async (h) => {
  const { client } = await h.initializedStdio();
  const all = await client.call('model/list', {});
  assert.ok(all.data.length >= 2, 'several built-in models');
  const defaults = all.data.filter((m) => m.isDefault);
  assert.equal(defaults.length, 1);
  assert.equal(defaults[0].model, 'gpt-5-codex');
  assert.equal(all.data[0].model, 'gpt-5-codex', 'the default comes first');
  for (const m of all.data) assert.ok(m.supportedReasoningEfforts.length > 0, `${m.model} lists its efforts`);
});

e2eTest('feedback/upload without a feedback URL is stored in the database', async (h) => {
  const { client } = await serverWithModels(h);
  const { thread } = await client.call('thread/start', { cwd: h.tmpdir('cwd') });
  const r = await client.call('feedback/upload', {
    classification: 'bug', reason: 'the list was slow', threadId: thread.id, includeLogs: false, tags: { area: 'list' },
  });
  assert.equal(r.threadId, thread.id);
  assert.equal(r.promptHash, null);
  assert.match(r.feedbackId, UUID_V7_RE);
  const rows = await sql(h, 'SELECT id, thread_id, classification, reason, tags, logs, upload_status FROM feedback');
  assert.deepEqual(rows, [{
    id: r.feedbackId, thread_id: thread.id, classification: 'bug', reason: 'the list was slow',
    tags: '{"area":"list"}', logs: null, upload_status: 'not_configured',
  }]);

  const general = await client.call('feedback/upload', { classification: 'good_result' });
  assert.equal(general.threadId, general.feedbackId, 'no thread: the report\'s own id');
  assertError(await client.callError('feedback/upload', { classification: 'bug', threadId: UNKNOWN_ID }), -32004);
  assertError(await client.callError('feedback/upload', { classification: 'bug', threadId: 'x' }), -32602, /threadId/);
  assertError(await client.callError('feedback/upload', { classification: '' }), -32602, /classification/);
  assertError(await client.callError('feedback/upload', {}), -32602, /classification/);
  assert.equal((await sql(h, 'SELECT count(*) AS n FROM feedback'))[0].n, 2);
});

e2eTest('feedback/upload posts to the configured URL, with logs when asked; a failed post is reported', async (h) => {
  const mock = await h.startMockProvider({ config: false });
  h.writeConfig(mockConfig(mock, { extra: [`feedback_url = "http://127.0.0.1:${mock.port}/feedback"`] }));
  const { client } = await h.initializedStdio();
  const { thread } = await client.call('thread/start', { cwd: h.tmpdir('cwd') });
  const plain = await client.call('feedback/upload', { classification: 'good_result' });
  const r = await client.call('feedback/upload', { classification: 'bad_result', reason: 'wrong answer', threadId: thread.id, includeLogs: true });
  const posted = await mock.get('/feedback');
  assert.equal(posted.length, 2);
  assert.equal(posted[0].feedbackId, plain.feedbackId);
  assert.equal(posted[0].logs, null, 'no logs unless asked for');
  assert.equal(posted[1].feedbackId, r.feedbackId);
  assert.equal(posted[1].classification, 'bad_result');
  assert.equal(posted[1].reason, 'wrong answer');
  assert.equal(posted[1].threadId, thread.id);
  assert.ok(posted[1].logs.includes(`feedback ${plain.feedbackId} stored`), 'the server\'s recent log lines');
  let rows = await sql(h, `SELECT upload_status, logs IS NOT NULL AS has_logs FROM feedback WHERE id = '${r.feedbackId}'`);
  assert.deepEqual(rows, [{ upload_status: 'uploaded', has_logs: 1 }]);

  await control(mock, 'feedback', { status: 500 });
  const e = await client.callError('feedback/upload', { classification: 'bug' });
  assertError(e, -32603, /saved, but sending it to .* failed: HTTP 500/);
  assert.match(e.data.feedbackId, UUID_V7_RE);
  rows = await sql(h, `SELECT upload_status, upload_error FROM feedback WHERE id = '${e.data.feedbackId}'`);
  assert.deepEqual(rows, [{ upload_status: 'failed', upload_error: 'HTTP 500' }]);
});
