// Pagination under churn (issue 10, item 7): 10k threads listed 7 at a time through
// `thread/list` on a spawned `spool serve --listen unix:`, while a second client renames and
// archives/unarchives existing threads and another process imports new ones into the same
// database. thread_list_paging.test.mjs covers inserts between pages on 40 threads; this
// file adds updates, scale and the contract for updated threads.
//
// The contract (keyset cursors: the cursor is the last row's sort value and id):
//   - no thread is ever listed twice in one walk, except, for sortKey updated_at ascending,
//     a thread updated after it was listed: its new updated_at is past the cursor, so it is
//     listed again (once per update at most); the test checks that each such duplicate was
//     updated between its two sightings;
//   - every thread that existed before the walk and was not touched (renamed or archived)
//     during it is listed exactly once; for created_at, renamed threads too (a rename does
//     not change created_at);
//   - everything listed existed before the walk or was inserted during it.
//
// Environment: SPOOL_CHURN_THREADS (default 10000; 3000 when SPOOL_SANITIZED_BUILD),
// SPOOL_CHURN_PAGE (default 7).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { e2eTest, assert, EVERY, sleep } from './harness.mjs';

// Sanitizer builds (SPOOL_SANITIZED_BUILD) import several times slower: fewer threads.
const THREADS = Number(process.env.SPOOL_CHURN_THREADS || (process.env.SPOOL_SANITIZED_BUILD ? 3000 : 10000));
const PAGE = Number(process.env.SPOOL_CHURN_PAGE || 7);

// A minimal JSON-RPC client over a socket (the harness Client scans every message it kept
// for each answer, which is quadratic over thousands of pages).
class LightClient {
  constructor(socket) {
    this.socket = socket;
    this.buffer = '';
    this.pending = new Map();
    this.nextId = 1;
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      this.buffer += d;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const m = JSON.parse(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        if (m.method === undefined && this.pending.has(m.id)) {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          p(m);
        }
      }
    });
    const fail = () => {
      for (const p of this.pending.values()) p({ error: { code: 0, message: 'connection closed' } });
      this.pending.clear();
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  static async connect(path) {
    const socket = await new Promise((resolve, reject) => {
      const s = net.createConnection({ path });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const c = new LightClient(socket);
    await c.call('initialize', { clientInfo: { name: 'churn', version: '1' } });
    return c;
  }

  async call(method, params) {
    const id = this.nextId++;
    const answer = new Promise((resolve) => this.pending.set(id, resolve));
    this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    const m = await answer;
    if (m.error) throw new Error(`${method} failed: ${m.error.code} ${m.error.message}`);
    return m.result;
  }

  close() {
    this.socket.destroy();
  }
}

// Every listed thread id, walking all pages with a big page size (no churn running).
async function listIds(c, params) {
  const out = [];
  let cursor = null;
  do {
    const page = await c.call('thread/list', { ...params, limit: 100, ...(cursor ? { cursor } : {}) });
    out.push(...page.data.map((t) => t.id));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

// Changes the database until stop() is called: renames random existing threads and, every
// few renames, archives one and unarchives it again (client `c`); imports small corpora
// with fresh seeds from another process (h.importCorpus). Records, with the time of each
// request, what it touched and inserted.
function startChurn(h, c, pool, seedBase) {
  const state = { running: true, renames: new Map(), archived: new Set(), inserted: new Set(), imports: 0, updates: 0 };
  const note = (id, t) => {
    if (!state.renames.has(id)) state.renames.set(id, []);
    state.renames.get(id).push(t);
  };
  let n = 0;
  // Four updates in flight at a time, so that they keep pace with the pages.
  const updater = Promise.all([0, 1, 2, 3].map(async () => {
    while (state.running) {
      const id = pool[Math.floor(Math.random() * pool.length)];
      // The time before the request: the update happens after it.
      note(id, Date.now());
      if (++n % 25 === 0) {
        state.archived.add(id);
        await c.call('thread/archive', { threadId: id });
        await c.call('thread/unarchive', { threadId: id });
      } else {
        await c.call('thread/name/set', { threadId: id, name: `churn ${n}` });
      }
      state.updates++;
      await sleep(0);
    }
  }));
  let seed = seedBase;
  const importer = (async () => {
    while (state.running) {
      // `spool bench gen` + `spool import` (as h.importCorpus, with the exit code in the
      // failure message).
      const out = h.tmpdir('churn-corpus');
      const gen = await h.run(['bench', 'gen', '--threads', '3', '--turns', '1', '--seed', String(seed++), '--out', out]);
      assert.equal(gen.code, 0, `spool bench gen failed (${gen.code}):\n${gen.stdout}\n${gen.stderr}`);
      await h.importCodex(out);
      for (const f of fs.readdirSync(path.join(out, 'sessions'), { recursive: true })) {
        const m = String(f).match(/([0-9a-f-]{36})\.jsonl$/);
        if (m) state.inserted.add(m[1]);
      }
      state.imports++;
      await sleep(20);
    }
  })();
  // Failures surface from stop(); until then they must not count as unhandled.
  const outcome = Promise.allSettled([updater, importer]);
  state.stop = async () => {
    state.running = false;
    const failed = (await outcome).filter((o) => o.status === 'rejected');
    if (failed.length) throw failed[0].reason;
  };
  return state;
}

e2eTest(`thread/list pages of ${PAGE} over ${THREADS} threads under inserts and updates`, { timeout: 600000 }, async (h) => {
  const t0 = Date.now();
  // The corpus puts about 5% of its threads in archived_sessions/: generate enough for
  // THREADS active (listed) ones.
  const initial = await h.importCorpus({ threads: Math.ceil(THREADS * 1.06), turns: 1, seed: 70 });
  assert.ok(initial.active.length >= THREADS, `${initial.active.length} active threads`);
  const setupMs = Date.now() - t0;
  const server = await h.serveUnix();
  const pager = await LightClient.connect(server.address.path);
  const churner = await LightClient.connect(server.address.path);
  const pool = initial.active;
  let seedBase = 100000;
  try {
    for (const [sortKey, sortDirection] of [['created_at', 'desc'], ['created_at', 'asc'], ['updated_at', 'desc'], ['updated_at', 'asc']]) {
      const what = `${sortKey} ${sortDirection}`;
      const params = { ...EVERY, sortKey, sortDirection };
      const before = await listIds(pager, params);
      assert.equal(new Set(before).size, before.length, `${what}: no duplicates without churn`);
      const churn = startChurn(h, churner, pool, seedBase);
      seedBase += 10000;
      const seenAt = new Map(); // id -> times it was listed (time the page was answered)
      let pages = 0;
      let listed = 0;
      let cursor = null;
      const w0 = Date.now();
      const half = Math.floor(before.length / PAGE / 2);
      do {
        // Halfway, wait for the churn to have imported and updated something, so that the
        // second half of the walk surely runs after changes on both sides of the cursor
        // (however slow the machine).
        while (pages === half && (churn.imports < 1 || churn.updates < 50)) await sleep(10);
        const page = await pager.call('thread/list', { ...params, limit: PAGE, ...(cursor ? { cursor } : {}) });
        const at = Date.now();
        pages++;
        listed += page.data.length;
        for (const t of page.data) {
          if (!seenAt.has(t.id)) seenAt.set(t.id, []);
          seenAt.get(t.id).push(at);
        }
        assert.ok(page.data.length <= PAGE);
        cursor = page.nextCursor;
      } while (cursor);
      const walkMs = Date.now() - w0;
      await churn.stop();

      const touched = new Set([...churn.renames.keys(), ...churn.archived]);
      const beforeSet = new Set(before);
      const mustSee = sortKey === 'created_at' ? before.filter((id) => !churn.archived.has(id))
        : before.filter((id) => !touched.has(id));
      const missing = mustSee.filter((id) => !seenAt.has(id));
      const twice = [...seenAt].filter(([, times]) => times.length > 1);
      // A duplicate is allowed only for updated_at asc, for a thread with an update requested
      // before each of its later sightings.
      const badTwice = twice.filter(([id, times]) => !(sortKey === 'updated_at' && sortDirection === 'asc'
        && (churn.renames.get(id) || []).filter((u) => u <= times.at(-1)).length >= times.length - 1));
      const foreign = [...seenAt.keys()].filter((id) => !beforeSet.has(id) && !churn.inserted.has(id));
      const insertedSeen = [...churn.inserted].filter((id) => seenAt.has(id)).length;
      console.log(`list churn ${what}: ${pages} pages of ${PAGE}, ${listed} rows, ${seenAt.size} distinct threads seen ` +
        `of ${before.length} before the walk; ${churn.updates} updates on ${touched.size} threads and ` +
        `${churn.inserted.size} inserted (${churn.imports} imports, ${insertedSeen} of them seen) during it; ` +
        `duplicates ${twice.length} (not explained by an update: ${badTwice.length}), missing ${missing.length}; ` +
        `${(walkMs / pages).toFixed(2)} ms per page (${walkMs} ms walk)`);
      assert.ok(churn.updates > 0 && churn.imports > 0, `${what}: churn happened during the walk`);
      assert.deepEqual(badTwice.map(([id]) => id), [], `${what}: threads listed twice`);
      assert.deepEqual(missing, [], `${what}: threads present before the walk and not touched, never listed`);
      assert.deepEqual(foreign, [], `${what}: listed threads that neither existed nor were inserted`);
      if (!(sortKey === 'updated_at' && sortDirection === 'asc')) assert.equal(twice.length, 0, `${what}: no duplicates`);
    }
    console.log(`list churn setup: ${initial.active.length} active (+${initial.archived.length} archived) threads generated and imported in ${setupMs} ms`);
  } finally {
    pager.close();
    churner.close();
  }
  assert.ok(!server.exited);
});
