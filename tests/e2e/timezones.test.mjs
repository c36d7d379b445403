// Times do not depend on the local time zone (issue 10, item 8). CTest runs this file under
// TZ=Asia/Taipei (+08:00), Pacific/Kiritimati (+14:00) and America/St_Johns (-03:30/-02:30),
// and plainly; the server inherits TZ. Checked: createdAt/updatedAt of new threads against
// Date.now(); createdAt of an imported rollout against its session_meta "Z" timestamp; the
// exported rollout lines carry RFC 3339 "Z" timestamps and the export path's date is the UTC
// date; the epoch milliseconds stored in the database (read with the sqlite3 shell, when
// installed) agree with the clock.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { e2eTest, assert, CODEX_169_HOME, FIXTURE } from './harness.mjs';

const ZONE = process.env.TZ || '';
const RFC3339_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function sqlite3(db, sql) {
  try {
    return execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' }).trim();
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

e2eTest(`stored and reported times are UTC (TZ=${ZONE || 'unset'})`, { timeout: 60000 }, async (h) => {
  if (ZONE && ZONE !== 'UTC') {
    // The zone is really in effect here (tzdata installed), so the test is not vacuous.
    assert.ok(fs.existsSync(path.join('/usr/share/zoneinfo', ZONE)), `tzdata has no ${ZONE}`);
    assert.equal(Intl.DateTimeFormat().resolvedOptions().timeZone, ZONE);
    assert.notEqual(new Date().getTimezoneOffset(), 0, `${ZONE} is not UTC`);
  }
  // An imported rollout: createdAt is its session_meta timestamp, whatever the zone.
  await h.importCodex();
  const file = fs.readdirSync(path.join(CODEX_169_HOME, 'sessions'), { recursive: true })
    .map((f) => path.join(CODEX_169_HOME, 'sessions', String(f))).find((f) => f.includes(FIXTURE.hello));
  const meta = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]);
  assert.equal(meta.type, 'session_meta');
  assert.match(meta.payload.timestamp, /Z$/);
  const { client: c } = await h.initializedStdio();
  const hello = (await c.call('thread/read', { threadId: FIXTURE.hello })).thread;
  assert.equal(hello.createdAt, Math.floor(Date.parse(meta.payload.timestamp) / 1000), 'imported createdAt');

  // A new thread: createdAt and updatedAt are now, in Unix seconds.
  const t0 = Date.now();
  const { thread } = await c.call('thread/start', {});
  const t1 = Date.now();
  assert.ok(thread.createdAt >= Math.floor(t0 / 1000) && thread.createdAt <= Math.ceil(t1 / 1000),
    `createdAt ${thread.createdAt} is not now (${t0}..${t1} ms)`);
  await c.call('thread/name/set', { threadId: thread.id, name: `zone ${ZONE}` });
  const t2 = Date.now();
  const read = (await c.call('thread/read', { threadId: thread.id })).thread;
  assert.equal(read.createdAt, thread.createdAt);
  assert.ok(read.updatedAt >= thread.createdAt && read.updatedAt <= Math.ceil(t2 / 1000),
    `updatedAt ${read.updatedAt} is not now (${t0}..${t2} ms)`);

  // The export writes UTC: "Z" timestamps within the test's window, the UTC date in the path.
  const out = h.tmpdir('export');
  const r = await h.run(['export', '--all', '--db', h.db, '--to', out]);
  assert.equal(r.code, 0, `spool export: ${r.stdout}\n${r.stderr}`);
  const exported = fs.readdirSync(out, { recursive: true }).map(String).find((f) => f.includes(thread.id));
  const utcDay = new Date(thread.createdAt * 1000).toISOString().slice(0, 10).replaceAll('-', '/');
  assert.ok(exported && exported.startsWith(`sessions/${utcDay}/`), `export path ${exported} is under sessions/${utcDay}`);
  const lines = fs.readFileSync(path.join(out, exported), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2);
  for (const line of lines) {
    assert.match(line.timestamp, RFC3339_Z);
    const ms = Date.parse(line.timestamp);
    assert.ok(ms >= t0 - 1000 && ms <= t2 + 1000, `exported timestamp ${line.timestamp} is not now`);
  }
  assert.match(lines[0].payload.timestamp, RFC3339_Z);

  // What the database holds: epoch milliseconds, equal to the clock's.
  const row = sqlite3(h.db, `SELECT created_at_ms, updated_at_ms FROM threads WHERE id = '${thread.id}'`);
  if (row === null) {
    console.log('timezones: no sqlite3 shell, the stored columns were not read directly');
  } else {
    const [created, updated] = row.split('|').map(Number);
    assert.ok(created >= t0 && created <= t1, `stored created_at_ms ${created} not in ${t0}..${t1}`);
    assert.ok(updated >= created && updated <= t2, `stored updated_at_ms ${updated} not in ${created}..${t2}`);
    const events = sqlite3(h.db, `SELECT min(ts_ms), max(ts_ms) FROM events WHERE thread_id = '${thread.id}'`);
    const [first, last] = events.split('|').map(Number);
    assert.ok(first >= t0 && last <= t2, `stored event times ${first}..${last} not in ${t0}..${t2}`);
  }
  console.log(`timezones: TZ=${ZONE || 'unset'} (UTC offset ${-new Date().getTimezoneOffset()} min): createdAt/updatedAt, export and stored times are UTC`);
});
