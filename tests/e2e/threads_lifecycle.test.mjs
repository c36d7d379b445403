// The thread methods one by one, over stdio: start, read, resume, turns/list, archive,
// unarchive, name/set, delete, fork, revert, loaded/list, unsubscribe.
import path from 'node:path';
import {
  e2eTest, assert, assertError, listAll, FIXTURE, UNKNOWN_ID, UUID_V7_RE, CODEX_169_HOME,
} from './harness.mjs';

const ALL = { modelProviders: [] };

async function importedSession(h) {
  await h.importCodex();
  return h.initializedStdio();
}

function ids(list) {
  return list.map((t) => t.id);
}

e2eTest('thread/start with no config: built-in defaults, a UUIDv7, source vscode, thread/started', async (h) => {
  const { client: c } = await h.initializedStdio();
  const cwd = h.tmpdir('cwd');
  const since = c.mark();
  const r = await c.call('thread/start', { cwd });
  assert.match(r.thread.id, UUID_V7_RE);
  assert.equal(r.modelProvider, 'openai');
  assert.equal(r.model, 'gpt-5-codex');
  assert.equal(r.approvalPolicy, 'on-request');
  assert.equal(r.sandbox.type, 'readOnly');
  assert.equal(r.cwd, cwd);
  assert.equal(r.thread.cwd, cwd);
  assert.equal(r.thread.modelProvider, 'openai');
  assert.equal(r.thread.source, 'vscode');
  assert.equal(r.thread.preview, '');
  assert.equal(r.thread.forkedFromId, null);
  assert.deepEqual(r.thread.turns, []);
  assert.equal(r.reasoningEffort ?? null, null);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(r.thread.createdAt - now) < 120, `createdAt ${r.thread.createdAt} should be now (${now}), in seconds`);
  const started = await c.waitNotification('thread/started', (p) => p.thread?.id === r.thread.id, { since });
  assert.equal(started.params.thread.cwd, cwd);
  // Two starts: two different ids, in increasing UUIDv7 order.
  const r2 = await c.call('thread/start', {});
  assert.notEqual(r2.thread.id, r.thread.id);
  assert.ok(r2.thread.id > r.thread.id, 'UUIDv7 ids sort by creation');
});

e2eTest('thread/start: params override config.toml, which overrides the defaults', async (h) => {
  h.writeConfig([
    'model = "cfg-model"',
    'model_provider = "mock"',
    'approval_policy = "never"',
    'sandbox_mode = "workspace-write"',
    'model_reasoning_effort = "high"',
    'some_codex_key_spool_ignores = true',
    '',
    '[model_providers.mock]',
    'name = "Mock"',
    'base_url = "http://127.0.0.1:9/v1"',
    'env_key = "MOCK_API_KEY"',
    'wire_api = "responses"',
    '',
    '[model_providers.other]',
    'name = "Other"',
    'base_url = "http://127.0.0.1:9/v1"',
    '',
  ].join('\n'));
  await h.importCodex(); // provider "mock"
  const { client: c } = await h.initializedStdio();
  const fromConfig = await c.call('thread/start', {});
  assert.equal(fromConfig.model, 'cfg-model');
  assert.equal(fromConfig.modelProvider, 'mock');
  assert.equal(fromConfig.approvalPolicy, 'never');
  assert.equal(fromConfig.sandbox.type, 'workspaceWrite');
  assert.equal(fromConfig.reasoningEffort, 'high');
  assert.equal(fromConfig.thread.modelProvider, 'mock');
  assert.equal(fromConfig.thread.model, 'cfg-model');

  const fromParams = await c.call('thread/start', {
    model: 'param-model', modelProvider: 'other', approvalPolicy: 'untrusted', sandbox: 'danger-full-access',
  });
  assert.equal(fromParams.model, 'param-model');
  assert.equal(fromParams.modelProvider, 'other');
  assert.equal(fromParams.approvalPolicy, 'untrusted');
  assert.equal(fromParams.sandbox.type, 'dangerFullAccess');
  assert.equal(fromParams.reasoningEffort, 'high', 'unset params keep the config value');

  // The configured default provider decides what thread/list shows without modelProviders.
  const list = await c.call('thread/list', {});
  assert.deepEqual(new Set(ids(list.data).filter((id) => id.startsWith('01a20c34'))), new Set([FIXTURE.hello, FIXTURE.second, FIXTURE.decline]),
    'the configured default provider ("mock") decides what thread/list shows without modelProviders');
  assert.ok(!ids(list.data).includes(fromParams.thread.id), 'the "other" provider thread is not listed');
});

// As in Codex, thread/list leaves out threads without a user message yet (empty preview);
// thread/read and thread/loaded/list show them.
e2eTest('a freshly started thread is read and loaded, and listed only once it has a preview', async (h) => {
  const { client: c } = await h.initializedStdio();
  const { thread } = await c.call('thread/start', {});
  const list = await c.call('thread/list', { modelProviders: [] });
  assert.deepEqual(ids(list.data), [], 'thread/list leaves out a thread with no user message');
  const loaded = await c.call('thread/loaded/list', {});
  assert.deepEqual(loaded.data, [thread.id]);
  const read = await c.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.id, thread.id);
  assert.equal(read.thread.preview, '');
});

e2eTest('thread/read of imported threads, with and without turns, archived too', async (h) => {
  const { client: c } = await importedSession(h);
  const withTurns = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  assert.equal(withTurns.thread.id, FIXTURE.hello);
  assert.equal(withTurns.thread.preview, 'Hello mock, please say hi.');
  assert.equal(withTurns.thread.modelProvider, 'mock');
  assert.equal(withTurns.thread.turns.length, 3);
  assert.ok(withTurns.thread.turns.every((t) => t.items.length > 0), 'turns carry their items');
  const first = withTurns.thread.turns[0];
  assert.equal(first.items[0].type, 'userMessage');
  assert.equal(first.items[0].content[0].text, 'Hello mock, please say hi.');
  assert.deepEqual(withTurns.thread.turns.map((t) => t.status), ['completed', 'completed', 'interrupted']);

  const noTurns = await c.call('thread/read', { threadId: FIXTURE.hello });
  assert.deepEqual(noTurns.thread.turns, []);
  const explicitNo = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: false });
  assert.deepEqual(explicitNo.thread.turns, []);

  const archived = await c.call('thread/read', { threadId: FIXTURE.archived, includeTurns: true });
  assert.equal(archived.thread.id, FIXTURE.archived);
});

e2eTest('thread/resume returns the settings and all turns, subscribes; excludeTurns; archived is refused', async (h) => {
  const { client: c } = await importedSession(h);
  const before = await c.call('thread/loaded/list', {});
  assert.ok(!before.data.includes(FIXTURE.hello));
  const r = await c.call('thread/resume', { threadId: FIXTURE.hello });
  assert.equal(r.thread.id, FIXTURE.hello);
  assert.equal(r.thread.turns.length, 3);
  assert.equal(r.modelProvider, 'mock');
  assert.equal(r.model, 'mock-model');
  assert.equal(typeof r.approvalPolicy, 'string');
  assert.ok(r.sandbox && typeof r.sandbox.type === 'string');
  const read = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  assert.deepEqual(r.thread.turns.map((t) => t.id), read.thread.turns.map((t) => t.id));
  assert.deepEqual(r.thread.turns, read.thread.turns, 'resume and read give the same turns');

  const loaded = await c.call('thread/loaded/list', {});
  assert.ok(loaded.data.includes(FIXTURE.hello), `loaded/list ${JSON.stringify(loaded.data)} has the resumed thread`);

  const excl = await c.call('thread/resume', { threadId: FIXTURE.second, excludeTurns: true });
  assert.equal(excl.thread.id, FIXTURE.second);
  assert.deepEqual(excl.thread.turns, []);

  const e = await c.callError('thread/resume', { threadId: FIXTURE.archived });
  assertError(e, -32009);
  assert.match(e.message, /unarchive/i);
});

e2eTest('thread/unsubscribe: unsubscribed, then not subscribed; a thread never loaded is notLoaded', async (h) => {
  const { client: c } = await importedSession(h);
  const never = await c.call('thread/unsubscribe', { threadId: FIXTURE.decline });
  assert.equal(never.status, 'notLoaded');
  await c.call('thread/resume', { threadId: FIXTURE.hello });
  const first = await c.call('thread/unsubscribe', { threadId: FIXTURE.hello });
  assert.equal(first.status, 'unsubscribed');
  const second = await c.call('thread/unsubscribe', { threadId: FIXTURE.hello });
  assert.ok(['notSubscribed', 'notLoaded'].includes(second.status), `second unsubscribe: ${second.status}`);
  const loaded = await c.call('thread/loaded/list', {});
  assert.equal(loaded.nextCursor ?? null, null);
});

e2eTest('thread/turns/list pages through the turns in both directions', async (h) => {
  const { client: c } = await importedSession(h);
  const read = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  const all = read.thread.turns.map((t) => t.id);
  assert.equal(all.length, 3);

  const whole = await c.call('thread/turns/list', { threadId: FIXTURE.hello, sortDirection: 'asc' });
  assert.deepEqual(whole.data.map((t) => t.id), all);
  assert.equal(whole.nextCursor, null);

  for (const [dir, expected] of [['asc', all], ['desc', [...all].reverse()]]) {
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const page = await c.call('thread/turns/list', { threadId: FIXTURE.hello, limit: 1, sortDirection: dir, ...(cursor ? { cursor } : {}) });
      assert.ok(page.data.length <= 1, `limit 1 gave ${page.data.length}`);
      seen.push(...page.data.map((t) => t.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, expected, `turns/list ${dir} in pages of 1`);
  }
  const e = await c.callError('thread/turns/list', { threadId: FIXTURE.hello, cursor: 'garbage-cursor' });
  assertError(e, -32602, 'cursor');
});

e2eTest('archive and unarchive round trip, with notifications and conflicts', async (h) => {
  const { client: c } = await importedSession(h);
  let since = c.mark();
  const archived = await c.call('thread/archive', { threadId: FIXTURE.hello });
  assert.deepEqual(archived, {});
  await c.waitNotification('thread/archived', (p) => p.threadId === FIXTURE.hello, { since });

  const active = await c.call('thread/list', ALL);
  assert.ok(!ids(active.data).includes(FIXTURE.hello), 'archived threads leave the default list');
  const arch = await c.call('thread/list', { ...ALL, archived: true });
  assert.ok(ids(arch.data).includes(FIXTURE.hello), 'and show up with archived: true');

  const again = await c.callError('thread/archive', { threadId: FIXTURE.hello });
  assertError(again, -32009);
  const resume = await c.callError('thread/resume', { threadId: FIXTURE.hello });
  assertError(resume, -32009);
  assert.match(resume.message, /unarchive/i);
  const read = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  assert.equal(read.thread.turns.length, 3, 'archived threads stay readable');

  since = c.mark();
  const un = await c.call('thread/unarchive', { threadId: FIXTURE.hello });
  assert.equal(un.thread.id, FIXTURE.hello);
  await c.waitNotification('thread/unarchived', (p) => p.threadId === FIXTURE.hello, { since });
  const back = await c.call('thread/list', ALL);
  assert.ok(ids(back.data).includes(FIXTURE.hello));
  const notArch = await c.call('thread/list', { ...ALL, archived: true });
  assert.ok(!ids(notArch.data).includes(FIXTURE.hello));
  const resumed = await c.call('thread/resume', { threadId: FIXTURE.hello });
  assert.equal(resumed.thread.turns.length, 3);
  // Archive, then unarchive, a thread started here.
  const { thread } = await c.call('thread/start', {});
  await c.call('thread/archive', { threadId: thread.id });
  const un2 = await c.call('thread/unarchive', { threadId: thread.id });
  assert.equal(un2.thread.id, thread.id);
  // The imported archived fixture can be unarchived.
  const un3 = await c.call('thread/unarchive', { threadId: FIXTURE.archived });
  assert.equal(un3.thread.id, FIXTURE.archived);
});

e2eTest('thread/name/set renames, notifies, and the name is read back and searchable', async (h) => {
  const { client: c } = await importedSession(h);
  const since = c.mark();
  const r = await c.call('thread/name/set', { threadId: FIXTURE.second, name: 'Renamed by e2e' });
  assert.deepEqual(r, {});
  const n = await c.waitNotification('thread/name/updated', (p) => p.threadId === FIXTURE.second, { since });
  assert.equal(n.params.threadName, 'Renamed by e2e');
  const read = await c.call('thread/read', { threadId: FIXTURE.second });
  assert.equal(read.thread.name, 'Renamed by e2e');
  const found = await c.call('thread/list', { ...ALL, searchTerm: 'by e2e' });
  assert.deepEqual(ids(found.data), [FIXTURE.second]);
  const listed = (await c.call('thread/list', ALL)).data.find((t) => t.id === FIXTURE.second);
  assert.equal(listed.name, 'Renamed by e2e');
  // Renaming a started thread works too.
  const { thread } = await c.call('thread/start', {});
  await c.call('thread/name/set', { threadId: thread.id, name: 'fresh' });
  assert.equal((await c.call('thread/read', { threadId: thread.id })).thread.name, 'fresh');
});

e2eTest('thread/delete removes the thread, notifies, and later calls get -32004', async (h) => {
  const { client: c } = await importedSession(h);
  const since = c.mark();
  assert.deepEqual(await c.call('thread/delete', { threadId: FIXTURE.decline }), {});
  await c.waitNotification('thread/deleted', (p) => p.threadId === FIXTURE.decline, { since });
  assertError(await c.callError('thread/read', { threadId: FIXTURE.decline }), -32004, FIXTURE.decline);
  assertError(await c.callError('thread/resume', { threadId: FIXTURE.decline }), -32004, FIXTURE.decline);
  assertError(await c.callError('thread/delete', { threadId: FIXTURE.decline }), -32004, FIXTURE.decline);
  const { threads } = await listAll(c, ALL);
  assert.ok(!ids(threads).includes(FIXTURE.decline));
  const archived = await listAll(c, { ...ALL, archived: true });
  assert.ok(!ids(archived.threads).includes(FIXTURE.decline));
  // Deleting a started thread; and an archived one.
  const { thread } = await c.call('thread/start', {});
  assert.deepEqual(await c.call('thread/delete', { threadId: thread.id }), {});
  assertError(await c.callError('thread/read', { threadId: thread.id }), -32004, thread.id);
  assert.deepEqual(await c.call('thread/delete', { threadId: FIXTURE.archived }), {});
  assertError(await c.callError('thread/read', { threadId: FIXTURE.archived }), -32004, FIXTURE.archived);
});

e2eTest('thread/fork copies history up to lastTurnId and reports forkedFromId everywhere', async (h) => {
  const { client: c } = await importedSession(h);
  const parent = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  const turnIds = parent.thread.turns.map((t) => t.id);

  let since = c.mark();
  const full = await c.call('thread/fork', { threadId: FIXTURE.hello });
  assert.match(full.thread.id, UUID_V7_RE);
  assert.notEqual(full.thread.id, FIXTURE.hello);
  assert.equal(full.thread.forkedFromId, FIXTURE.hello);
  assert.equal(full.thread.turns.length, 3, 'a fork without lastTurnId has all the parent turns');
  assert.equal(full.modelProvider, 'mock');
  await c.waitNotification('thread/started', (p) => p.thread?.id === full.thread.id, { since });

  const upTo = await c.call('thread/fork', { threadId: FIXTURE.hello, lastTurnId: turnIds[0] });
  assert.equal(upTo.thread.forkedFromId, FIXTURE.hello);
  assert.equal(upTo.thread.turns.length, 1, 'lastTurnId is the last turn kept');
  assert.equal(upTo.thread.turns[0].items[0].content[0].text, 'Hello mock, please say hi.');

  const excluded = await c.call('thread/fork', { threadId: FIXTURE.hello, excludeTurns: true });
  assert.deepEqual(excluded.thread.turns, []);
  assert.equal(excluded.thread.forkedFromId, FIXTURE.hello);
  const excludedRead = await c.call('thread/read', { threadId: excluded.thread.id, includeTurns: true });
  assert.equal(excludedRead.thread.turns.length, 3, 'excludeTurns only leaves the turns out of the answer');

  // forkedFromId the same in read, resume and list.
  const read = await c.call('thread/read', { threadId: upTo.thread.id, includeTurns: true });
  assert.equal(read.thread.forkedFromId, FIXTURE.hello);
  assert.equal(read.thread.turns.length, 1);
  const resumed = await c.call('thread/resume', { threadId: upTo.thread.id });
  assert.equal(resumed.thread.forkedFromId, FIXTURE.hello);
  assert.equal(resumed.thread.turns.length, 1);
  const { threads } = await listAll(c, ALL);
  const listed = threads.find((t) => t.id === upTo.thread.id);
  assert.ok(listed, 'the fork is listed');
  assert.equal(listed.forkedFromId, FIXTURE.hello);
  assert.equal(threads.filter((t) => t.id === FIXTURE.hello).length, 1);
  // The parent is unchanged.
  const parentAfter = await c.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  assert.deepEqual(parentAfter.thread.turns.map((t) => t.id), turnIds);
  assert.equal(parentAfter.thread.forkedFromId, null);

  // A thread with forks cannot be deleted.
  const del = await c.callError('thread/delete', { threadId: FIXTURE.hello });
  assertError(del, -32009);
  // Unknown lastTurnId: an error (which one is not specified), never a silent full copy.
  const bad = await c.request('thread/fork', { threadId: FIXTURE.hello, lastTurnId: UNKNOWN_ID });
  assert.ok(bad.error, `fork with an unknown lastTurnId should fail, got ${JSON.stringify(bad.result)?.slice(0, 200)}`);
  // Forking a fork.
  since = c.mark();
  const grand = await c.call('thread/fork', { threadId: upTo.thread.id });
  assert.equal(grand.thread.forkedFromId, upTo.thread.id);
  assert.equal(grand.thread.turns.length, 1);
});

e2eTest('thread/revert drops the turns from beforeTurnId on; the thread stays listed once', async (h) => {
  const { client: c } = await importedSession(h);
  const read = await c.call('thread/read', { threadId: FIXTURE.second, includeTurns: true });
  const turnIds = read.thread.turns.map((t) => t.id);
  assert.equal(turnIds.length, 3);
  const r = await c.call('thread/revert', { threadId: FIXTURE.second, beforeTurnId: turnIds[1] });
  assert.equal(r.thread.id, FIXTURE.second);
  assert.ok(!r.thread.turns.some((t) => t.id === turnIds[1] || t.id === turnIds[2]), 'the reverted turns are not in the answer');
  const after = await c.call('thread/read', { threadId: FIXTURE.second, includeTurns: true });
  assert.deepEqual(after.thread.turns.map((t) => t.id), [turnIds[0]]);
  const resumed = await c.call('thread/resume', { threadId: FIXTURE.second });
  assert.deepEqual(resumed.thread.turns.map((t) => t.id), [turnIds[0]]);
  const turns = await c.call('thread/turns/list', { threadId: FIXTURE.second, sortDirection: 'asc' });
  assert.deepEqual(turns.data.map((t) => t.id), [turnIds[0]]);
  const { threads } = await listAll(c, ALL);
  assert.equal(threads.filter((t) => t.id === FIXTURE.second).length, 1, 'a reverted thread is listed once');
  assert.equal(new Set(ids(threads)).size, threads.length);
  // A turn id the thread does not have (any more) is an error.
  const e = await c.request('thread/revert', { threadId: FIXTURE.second, beforeTurnId: turnIds[2] });
  assert.ok(e.error, 'reverting before a turn that is gone fails');
  const e2 = await c.request('thread/revert', { threadId: FIXTURE.second, beforeTurnId: UNKNOWN_ID });
  assert.ok(e2.error, 'reverting before an unknown turn fails');
});

e2eTest('thread/loaded/list lists resumed threads once', async (h) => {
  const { client: c } = await importedSession(h);
  const empty = await c.call('thread/loaded/list', {});
  assert.ok(Array.isArray(empty.data));
  await c.call('thread/resume', { threadId: FIXTURE.hello });
  await c.call('thread/resume', { threadId: FIXTURE.hello });
  await c.call('thread/resume', { threadId: FIXTURE.second });
  const loaded = await c.call('thread/loaded/list', {});
  assert.ok(loaded.data.includes(FIXTURE.hello) && loaded.data.includes(FIXTURE.second), JSON.stringify(loaded.data));
  assert.equal(loaded.data.filter((x) => x === FIXTURE.hello).length, 1);
  const paged = await c.call('thread/loaded/list', { limit: 1 });
  assert.equal(paged.data.length, 1);
  assert.equal(typeof paged.nextCursor, 'string', 'limit 1 with two loaded threads has a next page');
  const rest = await c.call('thread/loaded/list', { limit: 1, cursor: paged.nextCursor });
  assert.equal(rest.data.length, 1);
  assert.notEqual(rest.data[0], paged.data[0]);
});

e2eTest('the database survives a restart: threads started in one server are read by the next', async (h) => {
  const first = await h.initializedStdio();
  const { thread } = await first.client.call('thread/start', { cwd: path.join(h.home) });
  await first.client.call('thread/name/set', { threadId: thread.id, name: 'persisted' });
  first.client.close();
  const exit = await first.server.waitExit(10000);
  assert.equal(exit.code, 0);
  const second = await h.initializedStdio();
  const read = await second.client.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.name, 'persisted');
  assert.equal(read.thread.cwd, h.home);
});

// Codex 0.60.1 clients resume by rollout path; Spool finds the thread by the session id in
// the file's first line (never by the file name), and only among imported threads.
e2eTest('thread/resume by 0.60.1 path: an imported rollout resumes; others are clear errors', async (h) => {
  const { client: c } = await importedSession(h);
  const rollout = path.join(CODEX_169_HOME, 'sessions', '2026', '11', '24',
    `rollout-2026-11-24T06-18-43-${FIXTURE.second}.jsonl`);
  // threadId is required by the schema and ignored when path is given, as in Codex.
  const r = await c.call('thread/resume', { threadId: UNKNOWN_ID, path: rollout });
  assert.equal(r.thread.id, FIXTURE.second);
  assert.equal(r.thread.preview, 'Second thread hello');
  assert.ok(r.thread.turns.length > 0);

  // A rollout whose session was never imported.
  const copy = path.join(h.tmpdir('rollouts'), 'renamed.jsonl');
  const fs = await import('node:fs');
  const lines = fs.readFileSync(rollout, 'utf8').split('\n');
  const meta = JSON.parse(lines[0]);
  meta.payload.id = UNKNOWN_ID;
  fs.writeFileSync(copy, JSON.stringify(meta) + '\n');
  assertError(await c.callError('thread/resume', { threadId: FIXTURE.second, path: copy }), -32004,
    'spool import');

  // Not a rollout at all, and a missing file.
  const junk = path.join(h.tmpdir('junk'), 'junk.jsonl');
  fs.writeFileSync(junk, 'hello\n');
  assertError(await c.callError('thread/resume', { threadId: FIXTURE.second, path: junk }), -32602, 'params.path');
  assertError(await c.callError('thread/resume', { threadId: FIXTURE.second, path: junk + '.missing' }), -32602,
    'cannot open');
});
