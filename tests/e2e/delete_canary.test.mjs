// thread/delete leaves no trace on disk (issue 10, item 10): canary strings put into threads
// (a live turn's user message, thread names, an imported rollout's user message) are in the
// database or its WAL before the delete, and after `thread/delete` (which checkpoints the WAL
// with TRUNCATE; the store runs with PRAGMA secure_delete = ON, so freed cells and pages are
// zeroed) no byte sequence of them is left in spool.db, spool.db-wal or spool.db-shm: not in
// events, not in the threads/turns/items projections, not in free pages. Other threads keep
// their content.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eTest, assert, CODEX_169_HOME, FIXTURE, runTurn, unixThread,
} from './harness.mjs';

function canary(tag) {
  return `CANARY-${tag}-${crypto.randomBytes(8).toString('hex')}`;
}

// The database files and, for each, which of `needles` occur in its raw bytes.
function scan(db, needles) {
  const out = {};
  for (const suffix of ['', '-wal', '-shm']) {
    const file = db + suffix;
    if (!fs.existsSync(file)) continue;
    const bytes = fs.readFileSync(file);
    out[path.basename(file)] = { size: bytes.length, found: needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8'))) };
  }
  return out;
}

function foundAnywhere(result) {
  return [...new Set(Object.values(result).flatMap((r) => r.found))];
}

function describe(result) {
  return Object.entries(result).map(([f, r]) => `${f} ${r.size} bytes${r.found.length ? ` (${r.found.join(', ')})` : ''}`).join(', ');
}

e2eTest('after thread/delete the database and WAL files hold no byte of the deleted threads', { timeout: 60000 }, async (h) => {
  // An imported thread whose first user message is a canary.
  const imported = canary('imported');
  const home = h.tmpdir('codex-home');
  fs.cpSync(CODEX_169_HOME, home, { recursive: true });
  const file = fs.readdirSync(path.join(home, 'sessions'), { recursive: true })
    .map((f) => path.join(home, 'sessions', String(f))).find((f) => f.includes(FIXTURE.second));
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('Second thread hello', `Second thread ${imported}`));
  await h.importCodex(home);

  // A live thread with a canary in its user message and one in its name.
  const { server, a, thread } = await unixThread(h);
  const spoken = canary('turn');
  const named = canary('name');
  const renamed = canary('renamed-import');
  await runTurn(a, thread.id, `please remember ${spoken}`);
  await a.call('thread/name/set', { threadId: thread.id, name: named });
  await a.call('thread/name/set', { threadId: FIXTURE.second, name: renamed });
  // A control: content of a thread that stays.
  const kept = 'Hello mock, please say hi.';
  const keptName = canary('kept');
  await a.call('thread/name/set', { threadId: FIXTURE.hello, name: keptName });
  // Another connection reading the threads (its server-side read connection must not keep
  // the old pages alive in the WAL).
  const b = await server.connect('B');
  await b.initialize();
  await b.call('thread/read', { threadId: thread.id, includeTurns: true });
  await b.call('thread/list', { modelProviders: [] });

  const canaries = [imported, spoken, named, renamed];
  const before = scan(h.db, [...canaries, kept, keptName]);
  assert.deepEqual(foundAnywhere(before).sort(), [...canaries, kept, keptName].sort(),
    `every canary is on disk before the delete: ${describe(before)}`);

  await a.call('thread/delete', { threadId: thread.id });
  await a.call('thread/delete', { threadId: FIXTURE.second });
  const after = scan(h.db, [...canaries, kept, keptName]);
  console.log(`delete canary: before the delete ${describe(before)}; after (server running) ${describe(after)}`);
  assert.deepEqual(foundAnywhere(after).filter((n) => canaries.includes(n)), [],
    `deleted canaries still on disk: ${describe(after)}`);
  assert.ok(fs.statSync(h.db + '-wal').size === 0 || !fs.existsSync(h.db + '-wal'), 'the WAL was truncated');
  assert.deepEqual(foundAnywhere(after).sort(), [kept, keptName].sort(), 'the kept thread is intact on disk');

  // The deleted threads are gone for every client; the kept one is whole.
  for (const id of [thread.id, FIXTURE.second]) {
    const e = await b.callError('thread/read', { threadId: id });
    assert.equal(e.code, -32004);
  }
  const stays = await b.call('thread/read', { threadId: FIXTURE.hello, includeTurns: true });
  assert.equal(stays.thread.name, keptName);
  assert.equal(stays.thread.preview, kept);

  // After a clean shutdown, and in a new server process, still nothing.
  server.kill('SIGTERM');
  await server.waitExit(10000);
  const stopped = scan(h.db, canaries);
  assert.deepEqual(foundAnywhere(stopped), [], `after shutdown: ${describe(stopped)}`);
  const { client } = await h.initializedStdio();
  const list = await client.call('thread/list', { modelProviders: [], searchTerm: 'CANARY' });
  assert.deepEqual(list.data.map((t) => t.id), [FIXTURE.hello], 'only the kept thread matches');
  const integrity = await h.run(['doctor', '--db', h.db]);
  assert.equal(integrity.code, 0, `spool doctor: ${integrity.stdout}\n${integrity.stderr}`);
});
