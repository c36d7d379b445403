// Hostile JSON-RPC input to a spawned `spool serve` (issue 10, item 9): big lines, lines over
// the cap, an endless line, invalid UTF-8, lone surrogates, NUL escapes, a BOM, 100k levels
// of nesting, huge numbers, duplicate keys, a client that never reads, and a soak of 100
// concurrent Unix-socket clients. The contract: every line gets its answer (or, for a line
// over the cap, one -32600 with "id": null and the connection resyncs at the next newline),
// the server never crashes, and its memory stays bounded.
//
// framing_and_errors.test.mjs covers the ordinary error codes, CRLF, blank lines and a line
// over --max-line-bytes on stdio; this file does not repeat those.
//
// Environment:
//   SPOOL_SOAK_SECONDS        soak duration (default 10)
//   SPOOL_SOAK_CLIENTS        soak clients (default 100)
//   SPOOL_ENDLESS_LINE_MB     size of the endless line (default 200)
//   SPOOL_RSS_GROWTH_BOUND_MB allowed VmHWM growth while streaming the endless line or while a
//                             client does not read (default 64; 640 when SPOOL_SANITIZED_BUILD)
import net from 'node:net';
import fs from 'node:fs';
import { e2eTest, assert, assertError, sleep, UNKNOWN_ID } from './harness.mjs';

const MIB = 1 << 20;
const SOAK_SECONDS = Number(process.env.SPOOL_SOAK_SECONDS || 10);
const SOAK_CLIENTS = Number(process.env.SPOOL_SOAK_CLIENTS || 100);
const ENDLESS_MB = Number(process.env.SPOOL_ENDLESS_LINE_MB || 200);
// ASan keeps freed memory in its quarantine (256 MiB by default) and adds shadow memory:
// a sanitizer build gets a bound that only catches gross growth.
const SANITIZED = !!process.env.SPOOL_SANITIZED_BUILD;
const RSS_GROWTH_BOUND_MB = Number(process.env.SPOOL_RSS_GROWTH_BOUND_MB || (SANITIZED ? 640 : 64));

// VmRSS / VmHWM (KiB) of a process, from /proc/PID/status.
function memKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))[1]);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

function mb(kib) {
  return (kib / 1024).toFixed(1);
}

// Waits for the next message with "id": null after `since`; returns it.
function nullIdReply(client, since, ms = 5000) {
  return client.waitFor(() => client.flat.slice(since).find((m) => m && m.id === null), ms, 'a reply with "id": null');
}

// Writes raw bytes (a Buffer or a string) straight to the client's stream.
function writeBytes(client, bytes) {
  return new Promise((resolve, reject) => client.writable.write(bytes, (e) => (e ? reject(e) : resolve())));
}

// The server still answers requests and is alive.
async function assertServing(server, client) {
  const r = await client.call('thread/loaded/list', {});
  assert.ok(Array.isArray(r.data));
  assert.ok(!server.exited, `the server exited: code ${server.exitCode} signal ${server.signal}\n${server.stderr.slice(-2000)}`);
}

e2eTest('a 1 MiB request line is answered, and a 1 MiB name round-trips', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  const big = 'x'.repeat(MIB);
  const list = await c.request('thread/list', { searchTerm: big });
  assert.ok(list.result, JSON.stringify(list.error));
  assert.deepEqual(list.result.data, []);
  const { thread } = await c.call('thread/start', {});
  const name = 'n'.repeat(MIB - 100) + '\u00e9\u4e2d\u{1F600}';
  await c.call('thread/name/set', { threadId: thread.id, name });
  const read = await c.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.name, name, 'the 1 MiB name comes back byte for byte');
  await assertServing(server, c);
});

e2eTest('an endless line without newline: one -32600, memory bounded, resync at the newline', { timeout: 120000 }, async (h) => {
  const cap = 64 * 1024;
  const server = await h.serveUnix({ args: ['--max-line-bytes', String(cap)] });
  const c = await server.connect('endless');
  await c.initialize();
  // Warm up the allocator with ordinary traffic, then take the baseline.
  for (let i = 0; i < 20; i++) await c.call('thread/list', { searchTerm: 'w'.repeat(30000) });
  const before = memKiB(server.proc.pid);
  const since = c.mark();
  const chunk = Buffer.alloc(MIB, 'a');
  chunk.write('{"jsonrpc":"2.0","id":4242,"method":"thread/list","params":{"searchTerm":"');
  const t0 = Date.now();
  for (let i = 0; i < ENDLESS_MB; i++) {
    if (!c.writable.write(i === 0 ? chunk : Buffer.alloc(MIB, 'a'))) {
      await new Promise((r) => c.writable.once('drain', r));
    }
  }
  await writeBytes(c, '"}}\n{"jsonrpc":"2.0","id":4243,"method":"thread/loaded/list","params":{}}\n');
  c.rememberSent({ id: 4243, method: 'thread/loaded/list' });
  const after = await c.responseTo(4243, 60000);
  const ms = Date.now() - t0;
  assert.ok(after.result, JSON.stringify(after.error));
  const mem = memKiB(server.proc.pid);
  const nullErrors = c.flat.slice(since).filter((m) => m.id === null);
  assert.equal(nullErrors.length, 1, `exactly one error for the endless line: ${JSON.stringify(nullErrors)}`);
  assertError(nullErrors[0].error, -32600, String(cap));
  assert.equal(c.flat.slice(since).filter((m) => m.id === 4242).length, 0, 'the endless request is never answered by id');
  const growth = mem.hwm - before.rss;
  console.log(`endless line: ${ENDLESS_MB} MB streamed in ${ms} ms with --max-line-bytes ${cap}; ` +
    `server VmRSS before ${mb(before.rss)} MiB, VmHWM after ${mb(mem.hwm)} MiB (growth ${mb(growth)} MiB, bound ${RSS_GROWTH_BOUND_MB} MiB)`);
  assert.ok(growth < RSS_GROWTH_BOUND_MB * 1024, `VmHWM grew by ${mb(growth)} MiB while streaming ${ENDLESS_MB} MB`);
  await assertServing(server, c);
});

e2eTest('a client that sends without reading is throttled: memory bounded, every answer delivered', { timeout: 120000 }, async (h) => {
  const server = await h.serveUnix();
  const c = await server.connect('deaf');
  await c.initialize();
  for (let i = 0; i < 5; i++) await c.call('thread/list', {});
  const before = memKiB(server.proc.pid);
  // 1500 requests whose error answers are ~100 KB each (the method name is echoed): 150 MB of
  // answers if the server queued them all. The client does not read until everything is sent.
  const method = 'm'.repeat(100000);
  const n = 1500;
  const socket = c.writable;
  socket.pause();
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`{"jsonrpc":"2.0","id":${70000 + i},"method":"${method}"}\n`);
  const sent = Promise.all(lines.map((l) => new Promise((r) => socket.write(l, r))));
  // Let the server fill its queue and stop reading.
  await sleep(1500);
  const mid = memKiB(server.proc.pid);
  socket.resume();
  await sent;
  await c.waitFor(() => c.flat.filter((m) => m.id >= 70000 && m.id < 70000 + n).length === n, 60000, `${n} answers`);
  for (const m of c.flat.filter((x) => x.id >= 70000)) assertError(m.error, -32601);
  const mem = memKiB(server.proc.pid);
  const growth = mem.hwm - before.rss;
  console.log(`deaf client: ${n} answers of ~100 KB; server VmRSS before ${mb(before.rss)} MiB, while not read ${mb(mid.rss)} MiB, ` +
    `VmHWM after ${mb(mem.hwm)} MiB (growth ${mb(growth)} MiB, bound ${RSS_GROWTH_BOUND_MB} MiB)`);
  assert.ok(growth < RSS_GROWTH_BOUND_MB * 1024, `VmHWM grew by ${mb(growth)} MiB for a client that did not read`);
  await assertServing(server, c);
});

e2eTest('invalid UTF-8, lone surrogates, NUL escapes and a BOM are answered, and the session goes on', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  const { thread } = await c.call('thread/start', {});
  const req = (id, params) => `{"jsonrpc":"2.0","id":${7000 + id},"method":"thread/list","params":${params}}`;
  // Bytes that are not UTF-8: inside a string, outside a string, a truncated sequence, an
  // overlong encoding, an encoded surrogate (CESU-8) and a code point above U+10FFFF.
  const badUtf8 = [
    Buffer.concat([Buffer.from(req(1, '{"searchTerm":"')), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from(req(2, '{}').slice(0, -1)), Buffer.from([0x80]), Buffer.from('}')]),
    Buffer.concat([Buffer.from(req(3, '{"searchTerm":"')), Buffer.from([0xe4, 0xb8]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from(req(4, '{"searchTerm":"')), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from(req(5, '{"searchTerm":"')), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from(req(6, '{"searchTerm":"')), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('"}')]),
  ];
  for (const line of badUtf8) {
    const since = c.mark();
    await writeBytes(c, Buffer.concat([line, Buffer.from('\n')]));
    assertError((await nullIdReply(c, since)).error, -32700);
  }
  // Lone surrogates as escapes: high alone, low alone, high followed by a non-surrogate,
  // reversed pair; in a value and in a key.
  for (const esc of ['\\ud800', '\\udc00', '\\ud800\\u0041', '\\udc00\\ud800', '\\udbff\\udbff']) {
    const since = c.mark();
    await c.sendRaw(req(100, `{"searchTerm":"${esc}"}`) + '\n');
    assertError((await nullIdReply(c, since)).error, -32700);
  }
  {
    const since = c.mark();
    await c.sendRaw('{"jsonrpc":"2.0","id":7101,"method":"thread/list","params":{"\\ud800":1}}\n');
    assertError((await nullIdReply(c, since)).error, -32700);
  }
  // A proper surrogate pair is fine.
  const pair = await c.request('thread/list', { searchTerm: '\u{1F600}' });
  assert.ok(pair.result, JSON.stringify(pair.error));

  // NUL escapes are valid JSON: a NUL inside a name round-trips, in a search term it is just
  // a character, in a method name it is an unknown method, in a key an unknown field.
  const nulName = 'before\u0000after\u0000';
  await c.call('thread/name/set', { threadId: thread.id, name: nulName });
  const read = await c.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.name, nulName, 'a name with NULs round-trips');
  const search = await c.request('thread/list', { searchTerm: '\u0000' });
  assert.ok(search.result, JSON.stringify(search.error));
  const nulMethod = await c.request('thread/list\u0000', {});
  assertError(nulMethod.error, -32601);
  const nulKey = await c.request('thread/list', { 'limit\u0000': 3 });
  assert.ok(nulKey.result || nulKey.error?.code === -32602, JSON.stringify(nulKey));
  // A raw NUL byte (not escaped) is not JSON.
  {
    const since = c.mark();
    await writeBytes(c, Buffer.concat([Buffer.from(req(102, '{"searchTerm":"a')), Buffer.from([0]), Buffer.from('b"}\n')]));
    assertError((await nullIdReply(c, since)).error, -32700);
  }

  // A UTF-8 BOM at the start of a line: a parse error for that line only; a BOM inside a
  // string is an ordinary character.
  {
    const since = c.mark();
    await writeBytes(c, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(req(103, '{}') + '\n')]));
    assertError((await nullIdReply(c, since)).error, -32700, 'byte order mark');
    assert.equal(c.flat.slice(since).filter((m) => m.id === 7103).length, 0);
  }
  const bomInside = await c.request('thread/list', { searchTerm: '\ufeffx' });
  assert.ok(bomInside.result, JSON.stringify(bomInside.error));
  await assertServing(server, c);
});

e2eTest('100k levels of nesting never crash the server', { timeout: 60000 }, async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  const N = 100000;
  const cases = [
    '['.repeat(N) + ']'.repeat(N),
    '{"a":'.repeat(N) + '1' + '}'.repeat(N),
    '['.repeat(N), // never closed
    `{"jsonrpc":"2.0","id":5001,"method":"thread/list","params":{"searchTerm":${'['.repeat(N)}${']'.repeat(N)}}}`,
    `[{"jsonrpc":"2.0","id":5002,"method":"thread/list","params":${'['.repeat(N)}${']'.repeat(N)}}]`,
    `{"jsonrpc":"2.0","id":5003,"result":${'{"a":'.repeat(N)}null${'}'.repeat(N)}}`, // a response
    `{"jsonrpc":"2.0","id":5004,"method":"thread/list","params":{"searchTerm":"${'['.repeat(N)}"}}`, // in a string: fine
  ];
  for (const [i, line] of cases.entries()) {
    const since = c.mark();
    await c.sendRaw(line + '\n');
    if (i === 6) {
      const r = await c.responseTo(5004);
      assert.ok(r.result, `brackets inside a string are not nesting: ${JSON.stringify(r.error)}`);
    } else {
      assertError((await nullIdReply(c, since)).error, -32700, 'nesting too deep');
    }
    await assertServing(server, c);
  }
  // Just under the limit (1000 levels in all), the request reaches the handler, whose
  // error message describes the value without printing it.
  const deep = '['.repeat(990) + ']'.repeat(990);
  await c.sendRaw(`{"jsonrpc":"2.0","id":5005,"method":"thread/list","params":{"searchTerm":${deep}}}\n`);
  c.rememberSent({ id: 5005, method: 'thread/list' });
  assertError((await c.responseTo(5005)).error, -32602, 'params.searchTerm');
  await sleep(0);
  await assertServing(server, c);
});

e2eTest('huge numbers and duplicate keys', async (h) => {
  const server = h.serveStdio();
  const c = server.client;
  await c.initialize();
  const rawReply = async (line, id) => {
    const since = c.mark();
    const rawSince = c.lines.length;
    await writeBytes(c, line + '\n'); // not sendRaw: JS would misread these ids (1.0 as 1)
    const m = await c.waitFor(() => c.flat.slice(since).find((x) => x && x.method === undefined && (id === undefined ? true : x.id === id)), 5000, `reply to ${line.slice(0, 80)}`);
    return { m, raw: c.lines.slice(rawSince).map((l) => l.raw).join('\n') };
  };
  // A number too big for a double is a parse error.
  let r = await rawReply('{"jsonrpc":"2.0","id":6001,"method":"thread/list","params":{"limit":1e400}}');
  assert.equal(r.m.id, null);
  assertError(r.m.error, -32700);
  r = await rawReply('{"jsonrpc":"2.0","id":1e400,"method":"thread/list","params":{}}');
  assertError(r.m.error, -32700);
  // 2^64+1 as id: not an integer JSON-RPC can carry (it parses as a double): -32600, id null.
  r = await rawReply('{"jsonrpc":"2.0","id":18446744073709551617,"method":"thread/list","params":{}}');
  assert.equal(r.m.id, null);
  assertError(r.m.error, -32600, 'id');
  // 2^64-1 is an integer: echoed exactly (the raw text, since JS numbers cannot hold it).
  c.rememberSent({ id: 18446744073709551615, method: 'thread/loaded/list' });
  r = await rawReply('{"jsonrpc":"2.0","id":18446744073709551615,"method":"thread/loaded/list","params":{}}');
  assert.ok(r.raw.includes('"id":18446744073709551615'), `id echoed exactly: ${r.raw}`);
  assert.ok(r.m.result, JSON.stringify(r.m.error));
  // -2^63 too.
  c.rememberSent({ id: -9223372036854775808, method: 'thread/loaded/list' });
  r = await rawReply('{"jsonrpc":"2.0","id":-9223372036854775808,"method":"thread/loaded/list","params":{}}');
  assert.ok(r.raw.includes('"id":-9223372036854775808'), `id echoed exactly: ${r.raw}`);
  // -0 as id is the integer 0; -0.0 and 1e2 are not integers.
  c.rememberSent({ id: 0, method: 'thread/loaded/list' });
  r = await rawReply('{"jsonrpc":"2.0","id":-0,"method":"thread/loaded/list","params":{}}', 0);
  assert.ok(r.m.result, JSON.stringify(r.m.error));
  for (const id of ['-0.0', '1e2', '1.0']) {
    r = await rawReply(`{"jsonrpc":"2.0","id":${id},"method":"thread/list","params":{}}`);
    assert.equal(r.m.id, null, `id ${id}`);
    assertError(r.m.error, -32600);
  }
  // Huge and odd numbers as parameters: -32602 naming the field, or clamped.
  for (const limit of ['18446744073709551617', '18446744073709551615', '9223372036854775808', '-9223372036854775809', '1e308', '-1e308', '0.5', '-0.0']) {
    const id = 200 + Number(c.allocId());
    c.rememberSent({ id, method: 'thread/list' });
    r = await rawReply(`{"jsonrpc":"2.0","id":${id},"method":"thread/list","params":{"limit":${limit}}}`, id);
    assertError(r.m.error, -32602, 'params.limit');
  }
  for (const limit of ['-0', '-5', '9223372036854775807']) {
    const id = 300 + Number(c.allocId());
    c.rememberSent({ id, method: 'thread/list' });
    r = await rawReply(`{"jsonrpc":"2.0","id":${id},"method":"thread/list","params":{"limit":${limit}}}`, id);
    assert.ok(r.m.result || r.m.error?.code === -32602, `limit ${limit}: ${JSON.stringify(r.m)}`);
  }
  // Duplicate keys: the last one wins, consistently (in the envelope and in params).
  const { thread } = await c.call('thread/start', {});
  c.rememberSent({ id: 401, method: 'thread/name/set' });
  r = await rawReply(`{"jsonrpc":"2.0","id":400,"id":401,"method":"thread/read","method":"thread/name/set","params":{"threadId":"${UNKNOWN_ID}","threadId":"${thread.id}","name":"first","name":"last"}}`);
  assert.equal(r.m.id, 401, 'the last "id" wins');
  assert.ok(r.m.result, JSON.stringify(r.m.error));
  assert.equal((await c.call('thread/read', { threadId: thread.id })).thread.name, 'last');
  await assertServing(server, c);
});

// ---------------------------------------------------------------------------------------
// Soak: a light client of its own (the harness Client keeps and scans every message, which
// is too slow for tens of thousands), pipelining a mix of requests with known answers.

class SoakClient {
  constructor(socket, index, stats) {
    this.socket = socket;
    this.index = index;
    this.stats = stats;
    this.buffer = '';
    this.pending = new Map(); // id -> expected ('result' | error code)
    this.nextId = 1;
    this.threadId = null;
    this.closed = false;
    this.wakers = [];
    socket.setEncoding('utf8');
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => {});
  }

  wake() {
    for (const w of this.wakers.splice(0)) w();
  }

  onData(d) {
    this.buffer += d;
    let nl;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        this.stats.errors.push(`client ${this.index}: unparsable line ${line.slice(0, 200)}`);
        continue;
      }
      this.onMessage(m);
    }
    this.wake();
  }

  onMessage(m) {
    if (m.method !== undefined) return; // a notification (thread/started etc.)
    const key = m.id === null ? 'null' : m.id;
    if (!this.pending.has(key)) {
      this.stats.errors.push(`client ${this.index}: unexpected answer ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    const expected = this.pending.get(key);
    this.pending.delete(key);
    this.stats.answered++;
    if (expected === 'result') {
      if (!m.result) this.stats.errors.push(`client ${this.index}: id ${key} failed: ${JSON.stringify(m.error)}`);
      else if (m.result.thread?.id && !this.threadId) this.threadId = m.result.thread.id;
    } else if (!m.error || m.error.code !== expected) {
      this.stats.errors.push(`client ${this.index}: id ${key} expected error ${expected}, got ${JSON.stringify(m).slice(0, 200)}`);
    } else {
      this.stats.expectedErrors++;
    }
  }

  send(method, params, expected) {
    const id = this.nextId++;
    this.pending.set(id, expected);
    this.stats.sent++;
    this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  }

  // A malformed line: answered with -32700 and "id": null (at most one outstanding).
  sendGarbage() {
    this.pending.set('null', -32700);
    this.stats.sent++;
    this.socket.write('{"id": 1, "method": \n');
  }

  async until(pred, ms) {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (this.closed) throw new Error(`client ${this.index}: connection closed`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`client ${this.index}: timed out with ${this.pending.size} answers outstanding`);
      await new Promise((r) => {
        const t = setTimeout(r, left);
        this.wakers.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  // One step: up to `window` requests in flight.
  async run(deadline, window = 4) {
    this.send('initialize', { clientInfo: { name: `soak${this.index}`, version: '1' } }, 'result');
    await this.until(() => this.pending.size === 0, 15000);
    this.send('thread/start', {}, 'result');
    await this.until(() => this.pending.size === 0, 15000);
    let step = 0;
    while (Date.now() < deadline) {
      while (this.pending.size < window) {
        const k = step++ % 20;
        if (k === 0) this.send('thread/name/set', { threadId: this.threadId, name: `soak ${this.index} ${step}` }, 'result');
        else if (k === 1) this.send('thread/read', { threadId: UNKNOWN_ID }, -32004);
        else if (k === 2) this.send('does/notExist', {}, -32601);
        else if (k === 3) this.send('thread/list', { limit: 'ten' }, -32602);
        else if (k === 4 && !this.pending.has('null')) this.sendGarbage();
        else if (k === 5) this.send('thread/read', { threadId: this.threadId }, 'result');
        else if (k % 2 === 0) this.send('thread/list', { limit: 5, modelProviders: [] }, 'result');
        else this.send('thread/loaded/list', {}, 'result');
      }
      await this.until(() => this.pending.size < window, 30000);
    }
    await this.until(() => this.pending.size === 0, 30000);
  }
}

e2eTest(`${SOAK_CLIENTS} concurrent Unix-socket clients for ${SOAK_SECONDS} s`, { timeout: (SOAK_SECONDS + 90) * 1000 }, async (h) => {
  await h.importCorpus({ threads: 20, seed: 9 });
  const server = await h.serveUnix();
  const stats = { sent: 0, answered: 0, expectedErrors: 0, errors: [] };
  const sockets = await Promise.all(Array.from({ length: SOAK_CLIENTS }, () => new Promise((resolve, reject) => {
    const s = net.createConnection({ path: server.address.path });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  })));
  h.sockets.push(...sockets);
  const clients = sockets.map((s, i) => new SoakClient(s, i, stats));
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, memKiB(server.proc.pid).hwm);
    } catch { /* exited: reported below */ }
  }, 250);
  const t0 = Date.now();
  const deadline = t0 + SOAK_SECONDS * 1000;
  const outcomes = await Promise.allSettled(clients.map((cl) => cl.run(deadline)));
  clearInterval(sampler);
  const seconds = (Date.now() - t0) / 1000;
  const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason.message);
  const mem = server.exited ? { hwm: peak } : memKiB(server.proc.pid);
  peak = Math.max(peak, mem.hwm);
  console.log(`soak: ${SOAK_CLIENTS} clients for ${seconds.toFixed(1)} s: ${stats.sent} requests sent, ${stats.answered} answered ` +
    `(${Math.round(stats.answered / seconds)}/s; ${stats.expectedErrors} expected error answers), ` +
    `${stats.errors.length + failures.length} errors, server peak RSS (VmHWM) ${mb(peak)} MiB`);
  assert.deepEqual(failures, [], 'every client finished');
  assert.deepEqual(stats.errors.slice(0, 10), [], `${stats.errors.length} wrong answers`);
  assert.equal(stats.answered, stats.sent, 'every request answered exactly once');
  assert.ok(!server.exited, `the server exited: ${server.exitCode} ${server.signal}`);
  for (const s of sockets) s.destroy();
  // The server still serves a new client.
  const c = await server.connect('after-soak');
  await c.initialize();
  await assertServing(server, c);
});
