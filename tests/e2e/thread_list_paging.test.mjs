// thread/list: defaults, limits, sort keys and directions, filters, cursors, and paging
// that stays stable while other threads are inserted.
import {
  e2eTest, assert, assertError, listAll, FIXTURE, sleep, EVERY, ALL_SOURCE_KINDS,
} from './harness.mjs';

const ALL = { modelProviders: [] };
const KINDS = { sourceKinds: ALL_SOURCE_KINDS };

function ids(list) {
  return list.map((t) => t.id);
}

// Starts `n` threads with one batch; returns their ids in creation order.
async function startMany(c, n, params = {}) {
  const base = 50000 + c.allocId() * 1000;
  const batch = [];
  for (let i = 0; i < n; i++) batch.push({ jsonrpc: '2.0', id: base + i, method: 'thread/start', params });
  const since = c.messages.length;
  await c.send(batch);
  const reply = await c.waitFor(() => c.messages.slice(since).find((m) => Array.isArray(m)), 20000, `batch of ${n} thread/start`);
  assert.equal(reply.length, n);
  for (const r of reply) assert.ok(r.result, `thread/start failed: ${JSON.stringify(r.error)}`);
  return reply.map((r) => r.result.thread.id);
}

function assertSorted(threads, key, dir) {
  for (let i = 1; i < threads.length; i++) {
    const a = threads[i - 1][key];
    const b = threads[i][key];
    if (dir === 'desc') assert.ok(a >= b, `${key} desc at ${i}: ${a} then ${b}`);
    else assert.ok(a <= b, `${key} asc at ${i}: ${a} then ${b}`);
  }
}

e2eTest('modelProviders: absent or null means the default provider, [] means all', async (h) => {
  await h.importCodex(); // provider "mock"
  const corpus = (await h.importCorpus({ threads: 30, seed: 3 })).active; // openai, azure, ollama, ...
  const { client: c } = await h.initializedStdio();
  const all = (await listAll(c, { ...EVERY, limit: 100 })).threads;
  assert.deepEqual(new Set(ids(all)), new Set([...corpus, FIXTURE.hello, FIXTURE.second, FIXTURE.decline]), 'modelProviders [] lists every provider');
  const byProvider = (names) => new Set(ids(all.filter((t) => names.includes(t.modelProvider))));
  const openai = byProvider(['openai']);
  assert.ok(openai.size > 0 && openai.size < all.length, 'the corpus mixes providers');
  const absent = (await listAll(c, { ...KINDS, limit: 100 })).threads;
  assert.deepEqual(new Set(ids(absent)), openai, 'without modelProviders: only the default provider (openai)');
  const nul = (await listAll(c, { ...KINDS, modelProviders: null, limit: 100 })).threads;
  assert.deepEqual(new Set(ids(nul)), openai, 'modelProviders null: only the default provider');
  const mock = (await listAll(c, { ...KINDS, modelProviders: ['mock'], limit: 100 })).threads;
  assert.deepEqual(new Set(ids(mock)), byProvider(['mock']));
  for (const id of [FIXTURE.hello, FIXTURE.second, FIXTURE.decline]) assert.ok(ids(mock).includes(id));
  const others = [...new Set(all.map((t) => t.modelProvider))].filter((p) => p !== 'openai' && p !== 'mock');
  const two = (await listAll(c, { ...KINDS, modelProviders: ['mock', ...others], limit: 100 })).threads;
  assert.deepEqual(new Set(ids(two)), byProvider(['mock', ...others]));
  const none = await c.call('thread/list', { modelProviders: ['nobody'] });
  assert.deepEqual(none.data, []);
  assert.equal(none.nextCursor, null);
});

e2eTest('default limit 25, clamped to 1..100, and every page walk sees each thread once', async (h) => {
  const created = (await h.importCorpus({ threads: 110, seed: 5 })).active;
  const n = created.length;
  assert.ok(n > 100, `the corpus has more than 100 active threads (${n})`);
  const { client: c } = await h.initializedStdio();
  const first = await c.call('thread/list', EVERY);
  assert.equal(first.data.length, 25, 'default limit is 25');
  assert.equal(typeof first.nextCursor, 'string');
  const zero = await c.call('thread/list', { ...EVERY, limit: 0 });
  assert.equal(zero.data.length, 1, 'limit 0 is clamped to 1');
  const big = await c.call('thread/list', { ...EVERY, limit: 1000 });
  assert.equal(big.data.length, 100, 'limit 1000 is clamped to 100');
  assert.equal(typeof big.nextCursor, 'string');
  const rest = await c.call('thread/list', { ...EVERY, limit: 1000, cursor: big.nextCursor });
  assert.equal(rest.data.length, n - 100);
  assert.equal(rest.nextCursor, null);

  for (const limit of [1, 7, 25, 100]) {
    const { threads, pages } = await listAll(c, { ...EVERY, limit });
    assert.equal(threads.length, n, `limit ${limit}: all threads`);
    assert.equal(new Set(ids(threads)).size, n, `limit ${limit}: no duplicates`);
    assert.deepEqual(new Set(ids(threads)), new Set(created));
    assert.ok(pages.slice(0, -1).every((p) => p.data.length === limit), `limit ${limit}: full pages until the last`);
  }
  // Newest first by default.
  const { threads } = await listAll(c, { ...EVERY, limit: 50 });
  assertSorted(threads, 'createdAt', 'desc');
  const asc = (await listAll(c, { ...EVERY, limit: 50, sortDirection: 'asc' })).threads;
  assertSorted(asc, 'createdAt', 'asc');
  assert.deepEqual(ids(asc), ids(threads).reverse(), 'asc is desc reversed (ties broken the same way)');
  const upd = (await listAll(c, { ...EVERY, limit: 30, sortKey: 'updated_at' })).threads;
  assertSorted(upd, 'updatedAt', 'desc');
  assert.equal(upd.length, n);
});

e2eTest('sortKey and sortDirection order the pages', async (h) => {
  await h.importCodex();
  const { client: c } = await h.initializedStdio();
  const all = (await listAll(c, { ...ALL, limit: 2 })).threads;
  assert.equal(all.length, 3);
  assertSorted(all, 'createdAt', 'desc');
  assert.deepEqual(ids(all), [FIXTURE.decline, FIXTURE.second, FIXTURE.hello], 'created_at desc');
  const asc = (await listAll(c, { ...ALL, limit: 2, sortDirection: 'asc' })).threads;
  assert.deepEqual(ids(asc), [FIXTURE.hello, FIXTURE.second, FIXTURE.decline], 'created_at asc');
  const upd = (await listAll(c, { ...ALL, limit: 1, sortKey: 'updated_at' })).threads;
  assertSorted(upd, 'updatedAt', 'desc');
  assert.deepEqual(ids(upd), [FIXTURE.second, FIXTURE.decline, FIXTURE.hello], 'updated_at desc');
  const updAsc = (await listAll(c, { ...ALL, limit: 1, sortKey: 'updated_at', sortDirection: 'asc' })).threads;
  assert.deepEqual(ids(updAsc), [FIXTURE.hello, FIXTURE.decline, FIXTURE.second], 'updated_at asc');
});

e2eTest('filters: archived, cwd, searchTerm, sourceKinds', async (h) => {
  await h.importCodex();
  const corpus = await h.importCorpus({ threads: 40, seed: 11 });
  const { client: c } = await h.initializedStdio();
  const all = (await listAll(c, { ...EVERY, limit: 100 })).threads;
  assert.equal(all.length, corpus.active.length + 3);
  const expect = (pred) => new Set(ids(all.filter(pred)));
  const got = async (params) => new Set(ids((await listAll(c, { ...EVERY, limit: 100, ...params })).threads));

  // cwd: one string, or any of several.
  const cwds = [...new Set(all.map((t) => t.cwd))];
  assert.ok(cwds.length >= 3, `the corpus has several cwds: ${cwds}`);
  assert.deepEqual(await got({ cwd: cwds[0] }), expect((t) => t.cwd === cwds[0]));
  assert.deepEqual(await got({ cwd: [cwds[1], cwds[2]] }), expect((t) => t.cwd === cwds[1] || t.cwd === cwds[2]));
  assert.deepEqual(await got({ cwd: '/nowhere' }), new Set());
  assert.deepEqual(await got({ cwd: '/home/dev/project' }), new Set([FIXTURE.hello, FIXTURE.second, FIXTURE.decline]));

  // sourceKinds.
  const sources = [...new Set(all.map((t) => t.source))].filter((x) => typeof x === 'string');
  for (const kind of sources) {
    assert.deepEqual(await got({ sourceKinds: [kind] }), expect((t) => t.source === kind), `sourceKinds [${kind}]`);
  }
  assert.deepEqual(await got({ sourceKinds: sources.slice(0, 2) }), expect((t) => sources.slice(0, 2).includes(t.source)));
  assert.ok((await got({ sourceKinds: ['vscode'] })).has(FIXTURE.hello));

  // searchTerm: a substring of the preview or the name; LIKE metacharacters are literal.
  assert.deepEqual(await got({ searchTerm: 'Second thread' }), new Set([FIXTURE.second]));
  assert.deepEqual(await got({ searchTerm: 'word017' }), new Set([FIXTURE.decline]), 'substring in the middle of the preview');
  assert.deepEqual(await got({ searchTerm: 'no thread says this' }), new Set());
  assert.deepEqual(await got({ searchTerm: '%' }), expect((t) => t.preview.includes('%')));
  assert.deepEqual(await got({ searchTerm: '_' }), expect((t) => t.preview.includes('_')));
  await c.call('thread/name/set', { threadId: FIXTURE.hello, name: 'needle in a name' });
  assert.deepEqual(await got({ searchTerm: 'needle in' }), new Set([FIXTURE.hello]));

  // archived.
  await c.call('thread/archive', { threadId: FIXTURE.second });
  const archived = await got({ archived: true });
  assert.ok(archived.has(FIXTURE.second));
  assert.ok(!ids(all).some((id) => id !== FIXTURE.second && archived.has(id)), 'no active thread in the archived list');
  for (const id of corpus.archived) assert.ok(archived.has(id), `imported archived thread ${id} in the archived list`);
  const active = await got({ archived: false });
  assert.ok(!active.has(FIXTURE.second) && !active.has(FIXTURE.archived));
  assert.equal(active.size, all.length - 1);
  assert.deepEqual(await got({}), active, 'archived absent means archived: false');

  // Filters combine.
  const combo = await c.call('thread/list', { ...KINDS, modelProviders: ['mock'], cwd: '/home/dev/project', searchTerm: 'o', sortDirection: 'asc' });
  assert.deepEqual(ids(combo.data), [FIXTURE.hello, FIXTURE.decline]);
  const combo2 = await c.call('thread/list', { ...KINDS, modelProviders: ['mock'], cwd: [cwds[0], '/home/dev/project'], searchTerm: 'thread', archived: true });
  assert.deepEqual(ids(combo2.data), [FIXTURE.second]);
});

e2eTest('malformed cursors are invalid params', async (h) => {
  await h.importCorpus({ threads: 6, seed: 2 });
  const { client: c } = await h.initializedStdio();
  const page = await c.call('thread/list', { ...EVERY, limit: 1 });
  assert.equal(typeof page.nextCursor, 'string');
  for (const cursor of ['garbage-cursor', '', '2026-11-24T06:18:44Z|01a20c34-e9f6-79e1-ab82-6e30ec28fe92x', page.nextCursor.slice(0, -3) + '!!!', '%%%']) {
    const e = await c.callError('thread/list', { ...EVERY, limit: 1, cursor });
    assertError(e, -32602, 'cursor');
  }
  const e = await c.callError('thread/list', { cursor: 42 });
  assertError(e, -32602, 'params.cursor');
  // A good cursor still works afterwards.
  const next = await c.call('thread/list', { ...EVERY, limit: 1, cursor: page.nextCursor });
  assert.equal(next.data.length, 1);
  assert.notEqual(next.data[0].id, page.data[0].id);
});

e2eTest('paging is stable under concurrent inserts: no duplicates, no skips', { timeout: 90000 }, async (h) => {
  const initial = (await h.importCorpus({ threads: 40, seed: 21 })).active;
  const { server, client: c } = await h.initializedStdio();
  let seed = 100;
  for (const [sortKey, sortDirection] of [['created_at', 'desc'], ['created_at', 'asc'], ['updated_at', 'desc'], ['updated_at', 'asc']]) {
    const seen = [];
    let cursor = null;
    const started = [];
    for (let i = 0; i < 100; i++) {
      const params = { ...EVERY, limit: 6, sortKey, sortDirection, ...(cursor ? { cursor } : {}) };
      // Inserts between pages: another process imports threads (timestamps spread over the
      // past, so they land on both sides of the cursor) ...
      await h.importCorpus({ threads: 3, seed: seed++ });
      // ... and thread/start requests race with the page read in one batch.
      const since = c.messages.length;
      const base = 900000 + c.allocId() * 10;
      await c.send([
        { jsonrpc: '2.0', id: base, method: 'thread/start', params: {} },
        { jsonrpc: '2.0', id: base + 1, method: 'thread/list', params },
        { jsonrpc: '2.0', id: base + 2, method: 'thread/start', params: {} },
      ]);
      const reply = await c.waitFor(() => c.messages.slice(since).find((m) => Array.isArray(m)), 10000, 'batch');
      assert.ok(reply[1].result, JSON.stringify(reply[1].error));
      started.push(reply[0].result.thread.id, reply[2].result.thread.id);
      seen.push(...ids(reply[1].result.data));
      cursor = reply[1].result.nextCursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, seen.length, `${sortKey} ${sortDirection}: duplicates across pages`);
    const missing = initial.filter((id) => !seen.includes(id));
    assert.deepEqual(missing, [], `${sortKey} ${sortDirection}: threads that existed before the walk were skipped`);
    if (sortDirection === 'desc' && sortKey === 'created_at') {
      // Threads started after the first page are newer than the cursor: never behind it.
      const late = started.slice(2).filter((id) => seen.includes(id));
      assert.deepEqual(late, [], 'threads created after the first page do not appear behind the cursor');
    }
  }
  assert.ok(!server.exited);
});

e2eTest('backwardsCursor: a string or null, and usable as a cursor', async (h) => {
  await h.importCorpus({ threads: 8, seed: 4 });
  const { client: c } = await h.initializedStdio();
  const p1 = await c.call('thread/list', { ...EVERY, limit: 2 });
  const p2 = await c.call('thread/list', { ...EVERY, limit: 2, cursor: p1.nextCursor });
  assert.ok(p2.backwardsCursor === null || typeof p2.backwardsCursor === 'string');
  if (typeof p2.backwardsCursor === 'string') {
    // Going backwards (the reverse direction from the cursor) must not fail.
    const back = await c.request('thread/list', { ...EVERY, limit: 2, cursor: p2.backwardsCursor, sortDirection: 'asc' });
    assert.ok(back.result, `backwardsCursor rejected: ${JSON.stringify(back.error)}`);
  }
  await sleep(0);
});

e2eTest('without sourceKinds, exec threads are left out as Codex does; sourceKinds [exec] lists them', async (h) => {
  const corpus = await h.importCorpus({ threads: 30, seed: 3 });
  const { client: c } = await h.initializedStdio();
  const every = (await listAll(c, { ...EVERY, limit: 100 })).threads;
  const dflt = (await listAll(c, { ...ALL, limit: 100 })).threads;
  assert.deepEqual(new Set(ids(dflt)), new Set(ids(every.filter((t) => t.source !== 'exec'))));
  assert.equal(every.length, corpus.active.length);
});

e2eTest('threads started over the app-server stay out of the list until they have a preview (as Codex)', async (h) => {
  const { client: c } = await h.initializedStdio();
  const created = await startMany(c, 30);
  const { threads } = await listAll(c, { limit: 7 });
  assert.deepEqual(ids(threads), [], 'no thread without a user message is listed');
  const loaded = await c.call('thread/loaded/list', {});
  assert.deepEqual(new Set(loaded.data), new Set(created), 'all of them are loaded');
});
