// End-to-end harness for `spool serve`: spawns the server (stdio, or --listen unix:/tcp:),
// speaks JSON-RPC to it line by line, records every line the server writes and validates
// each one against the Codex 0.169.0 JSON Schema bundle (ajv). Tests are declared with
// e2eTest(): it hands the test body an E2E context, and afterwards (pass or fail) kills
// every process the test spawned, closes every socket, removes every temporary directory
// and fails the test if any server message did not validate.
//
// Live turns: h.startMockProvider() spawns tests/tools/mock_responses_server.mjs (stopped
// with the test) and writes a config.toml that points Spool at it; the server's requests
// (approvals) are answered with client.respond(); the turn helpers at the end of this file
// collect a turn's notifications.
//
// Environment: SPOOL_BINARY (default: <repo>/build/spool). SPOOL_E2E_DEBUG=1 prints the
// traffic to stderr.
import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const TEST_DATA = path.join(REPO, 'tests', 'data');
export const CODEX_169_HOME = path.join(TEST_DATA, 'codex-0.169.0', 'codex_home');
export const CODEX_60_HOME = path.join(TEST_DATA, 'codex-0.60.1', 'codex_home');
const SCHEMA_BUNDLE = path.join(TEST_DATA, 'codex-schema', '0.169.0',
  'codex_app_server_protocol.schemas.json');

export const SPOOL_BINARY = path.resolve(process.env.SPOOL_BINARY || path.join(REPO, 'build', 'spool'));
const DEBUG = !!process.env.SPOOL_E2E_DEBUG;

export const DEFAULT_TIMEOUT_MS = 5000;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UUID_V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

// The imported Codex 0.169.0 fixture threads (tests/data/codex-0.169.0/codex_home).
export const FIXTURE = Object.freeze({
  // sessions/: three turns ("Hello mock, please say hi." first)
  hello: '01a20c34-df29-7a10-bf06-4abfc2a67fc2',
  // sessions/: "Second thread hello"
  second: '01a20c34-e7cb-79f0-b670-586e2dbb49af',
  // sessions/: "DECLINE_ME word000 ..."
  decline: '01a20c34-e9f6-79e1-ab82-6e30ec28fe92',
  // archived_sessions/
  archived: '01a20c34-f063-7141-9a0a-48e35639c31d',
});
export const UNKNOWN_ID = 'fac87f91-bea7-49cc-9836-416f4df046b1';

// Every ThreadSourceKind: thread/list without sourceKinds may leave some out (Codex lists
// only interactive sources by default), so tests that mean "every thread" pass them all.
export const ALL_SOURCE_KINDS = Object.freeze(['cli', 'vscode', 'exec', 'appServer', 'subAgent',
  'subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther', 'unknown']);
// thread/list params for "every thread" (of any provider and source).
export const EVERY = Object.freeze({ modelProviders: [], sourceKinds: ALL_SOURCE_KINDS });

// ---------------------------------------------------------------------------------------
// Schema validation

class SchemaValidator {
  constructor() {
    const bundle = JSON.parse(fs.readFileSync(SCHEMA_BUNDLE, 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
    this.ajv.addSchema(bundle, 'codex');
    this.defs = bundle.definitions;
    this.cache = new Map();
    // method -> '#/definitions/...Response' pointer, from ClientRequest: XParams -> XResponse.
    this.responseRef = new Map();
    for (const variant of this.defs.ClientRequest.oneOf) {
      const method = variant.properties.method.enum[0];
      const p = variant.properties.params || {};
      const ref = p.$ref || (p.anyOf || []).map((a) => a.$ref).find(Boolean);
      if (!ref) continue;
      const respRef = ref.replace(/Params$/, 'Response');
      if (this.resolve(respRef) !== undefined) this.responseRef.set(method, respRef);
    }
    // Methods without params, whose response type the naming rule cannot find.
    for (const [method, type] of [['account/logout', 'LogoutAccountResponse']]) {
      const ref = `#/definitions/v2/${type}`;
      if (!this.responseRef.has(method) && this.resolve(ref) !== undefined) this.responseRef.set(method, ref);
    }
    this.notificationRef = new Map();
    for (const variant of this.defs.ServerNotification.oneOf) {
      const method = variant.properties.method.enum[0];
      const p = variant.properties.params;
      this.notificationRef.set(method, p ? p.$ref : null);
    }
    this.serverRequestRef = new Map();
    for (const variant of (this.defs.ServerRequest?.oneOf || [])) {
      const method = variant.properties.method.enum[0];
      this.serverRequestRef.set(method, variant.properties.params?.$ref);
    }
  }

  resolve(ref) {
    let node = { definitions: this.defs };
    for (const part of ref.replace(/^#\//, '').split('/')) {
      if (node == null) return undefined;
      node = node[part];
    }
    return node;
  }

  validator(ref) {
    if (!this.cache.has(ref)) this.cache.set(ref, this.ajv.compile({ $ref: 'codex' + ref }));
    return this.cache.get(ref);
  }

  check(ref, value) {
    const v = this.validator(ref);
    if (v(value)) return null;
    return (v.errors || []).slice(0, 4)
      .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');
  }

  // Returns a list of problems with one message the server wrote ([] when it is valid).
  // `methodOf(id)` gives the method of the request the client sent with that id, if known.
  validateMessage(msg, methodOf) {
    const problems = [];
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      return [`not a JSON object: ${JSON.stringify(msg)}`];
    }
    const hasId = Object.prototype.hasOwnProperty.call(msg, 'id');
    if (typeof msg.method === 'string') {
      if (hasId) {
        // A server request (approvals etc.).
        if (!this.serverRequestRef.has(msg.method)) {
          problems.push(`server request with unknown method ${msg.method}`);
        } else {
          const ref = this.serverRequestRef.get(msg.method);
          const err = ref ? this.check(ref, msg.params) : null;
          if (err) problems.push(`server request ${msg.method} params: ${err}`);
        }
        return problems;
      }
      if (!this.notificationRef.has(msg.method)) {
        return [`notification method not in ServerNotification: ${msg.method}`];
      }
      const ref = this.notificationRef.get(msg.method);
      if (ref) {
        const err = this.check(ref, msg.params);
        if (err) problems.push(`notification ${msg.method} params (${ref}): ${err}`);
      }
      return problems;
    }
    if (!hasId) return [`message with neither method nor id: ${JSON.stringify(msg).slice(0, 200)}`];
    const hasResult = Object.prototype.hasOwnProperty.call(msg, 'result');
    const hasError = Object.prototype.hasOwnProperty.call(msg, 'error');
    if (hasResult === hasError) return [`response must have exactly one of result/error: ${JSON.stringify(msg).slice(0, 200)}`];
    if (hasError) {
      // Spool's documented difference: errors about unidentifiable requests carry "id": null.
      if (msg.id !== null) {
        const err = this.check('#/definitions/JSONRPCError', msg);
        if (err) problems.push(`JSONRPCError envelope: ${err}`);
      }
      const err = this.check('#/definitions/JSONRPCErrorError', msg.error);
      if (err) problems.push(`error object: ${err}`);
      return problems;
    }
    const env = this.check('#/definitions/JSONRPCResponse', msg);
    if (env) problems.push(`JSONRPCResponse envelope: ${env}`);
    const method = methodOf(msg.id);
    if (method === undefined) {
      problems.push(`result for an id the client never sent: ${JSON.stringify(msg.id)}`);
      return problems;
    }
    const ref = this.responseRef.get(method);
    if (!ref) {
      problems.push(`no response type in the Codex schema for method ${method}`);
      return problems;
    }
    const err = this.check(ref, msg.result);
    if (err) problems.push(`result of ${method} (${ref}): ${err}`);
    return problems;
  }
}

let validatorSingleton = null;
export function schemaValidator() {
  if (!validatorSingleton) validatorSingleton = new SchemaValidator();
  return validatorSingleton;
}

// ---------------------------------------------------------------------------------------
// Utilities

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class RpcError extends Error {
  constructor(method, error) {
    super(`${method} failed: ${error.code} ${error.message}`);
    this.code = error.code;
    this.rpcMessage = error.message;
    this.error = error;
  }
}

// ---------------------------------------------------------------------------------------
// Client: one JSON-RPC session over a writable + readable pair.

let clientSerial = 0;

export class Client {
  constructor(name, readable, writable) {
    this.name = name || `client${++clientSerial}`;
    this.writable = writable;
    this.buffer = '';
    this.lines = []; // every line the server wrote: { raw, msg?, parseError? }
    this.messages = []; // parsed values (batches kept as arrays)
    this.flat = []; // every individual message, batch elements flattened
    this.waiters = [];
    this.pending = new Map(); // JSON id -> {resolve, method}
    this.sentMethods = new Map(); // JSON id -> method
    this.nextId = 1;
    this.closed = false;
    this.closeWaiters = [];
    readable.setEncoding('utf8');
    readable.on('data', (chunk) => this.onData(chunk));
    readable.on('end', () => this.onClose());
    readable.on('close', () => this.onClose());
    readable.on('error', () => this.onClose());
    if (writable !== readable) writable.on('error', () => {});
  }

  onData(chunk) {
    this.buffer += chunk;
    let nl;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const raw = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(raw);
    }
  }

  onLine(raw) {
    if (DEBUG) process.stderr.write(`[${this.name} <-] ${raw.slice(0, 400)}\n`);
    const entry = { raw };
    this.lines.push(entry);
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch (e) {
      entry.parseError = e.message;
      this.wake();
      return;
    }
    entry.msg = msg;
    this.messages.push(msg);
    const parts = Array.isArray(msg) ? msg : [msg];
    for (const m of parts) {
      this.flat.push(m);
      if (m && typeof m === 'object' && m.method === undefined && 'id' in m && m.id !== null) {
        const key = JSON.stringify(m.id);
        const p = this.pending.get(key);
        if (p) {
          this.pending.delete(key);
          p.resolve(m);
        }
      }
    }
    this.wake();
  }

  onClose() {
    if (this.closed) return;
    this.closed = true;
    if (this.buffer.length > 0) {
      // A last line without its newline: record it (it fails validation as a framing error).
      this.lines.push({ raw: this.buffer, parseError: 'unterminated last line' });
      this.buffer = '';
    }
    for (const [key, p] of this.pending) p.reject(new Error(`${this.name}: connection closed before the answer to id ${key}`));
    this.pending.clear();
    this.wake();
    for (const w of this.closeWaiters) w();
    this.closeWaiters = [];
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  changed() {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // Waits until predicate(client) returns a truthy value, which is returned.
  async waitFor(predicate, ms = DEFAULT_TIMEOUT_MS, what = 'condition') {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = predicate(this);
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: timed out after ${ms} ms waiting for ${what}`);
      if (this.closed) {
        const again = predicate(this);
        if (again) return again;
        throw new Error(`${this.name}: connection closed while waiting for ${what}`);
      }
      await withTimeout(this.changed(), left, what).catch(() => {});
    }
  }

  waitClosed(ms = DEFAULT_TIMEOUT_MS) {
    if (this.closed) return Promise.resolve();
    return withTimeout(new Promise((r) => this.closeWaiters.push(r)), ms, `${this.name} close`);
  }

  rememberSent(value) {
    const parts = Array.isArray(value) ? value : [value];
    for (const m of parts) {
      if (m && typeof m === 'object' && typeof m.method === 'string' && 'id' in m
          && (typeof m.id === 'string' || Number.isInteger(m.id))) {
        this.sentMethods.set(JSON.stringify(m.id), m.method);
      }
    }
  }

  methodOf(id) {
    return this.sentMethods.get(JSON.stringify(id));
  }

  // Writes bytes as is (no newline added).
  sendRaw(text) {
    if (DEBUG) process.stderr.write(`[${this.name} ->] ${String(text).slice(0, 400).replace(/\n/g, '\\n')}\n`);
    // Learn ids/methods of raw requests so their results can be validated.
    for (const line of String(text).split('\n')) {
      try {
        this.rememberSent(JSON.parse(line));
      } catch {
        /* not JSON: nothing to learn */
      }
    }
    return new Promise((resolve, reject) => {
      this.writable.write(text, (err) => (err ? reject(err) : resolve()));
    });
  }

  // Sends one JSON value as a line.
  send(value) {
    return this.sendRaw(JSON.stringify(value) + '\n');
  }

  allocId() {
    return this.nextId++;
  }

  // Registers interest in the response with `id` (sent by any means).
  responseTo(id, ms = DEFAULT_TIMEOUT_MS) {
    const key = JSON.stringify(id);
    const existing = this.flat.find((m) => m && m.method === undefined && JSON.stringify(m.id) === key);
    if (existing) return Promise.resolve(existing);
    if (this.closed) return Promise.reject(new Error(`${this.name}: connection closed, no answer to id ${key}`));
    const p = new Promise((resolve, reject) => this.pending.set(key, { resolve, reject }));
    return withTimeout(p, ms, `${this.name}: response to id ${key}`).catch((e) => {
      this.pending.delete(key);
      throw e;
    });
  }

  // Sends a request; resolves to the whole response message ({id, result} or {id, error}).
  async request(method, params, { id, timeout = DEFAULT_TIMEOUT_MS, jsonrpc = true } = {}) {
    const reqId = id === undefined ? this.allocId() : id;
    const msg = {};
    if (jsonrpc) msg.jsonrpc = '2.0';
    msg.id = reqId;
    msg.method = method;
    if (params !== undefined) msg.params = params;
    const response = this.responseTo(reqId, timeout);
    response.catch(() => {}); // a failed send below reports instead
    await this.send(msg);
    return response;
  }

  // Sends a request; returns its result, throws RpcError on an error answer.
  async call(method, params, opts) {
    const response = await this.request(method, params, opts);
    if (response.error) throw new RpcError(method, response.error);
    return response.result;
  }

  // Sends a request that must fail; returns the error object.
  async callError(method, params, opts) {
    const response = await this.request(method, params, opts);
    assert.ok(response.error, `${method} ${JSON.stringify(params)} should fail, got result ${JSON.stringify(response.result)?.slice(0, 300)}`);
    return response.error;
  }

  notify(method, params) {
    const msg = { jsonrpc: '2.0', method };
    if (params !== undefined) msg.params = params;
    return this.send(msg);
  }

  async initialize(params = { clientInfo: { name: 'spool-e2e', title: 'Spool e2e', version: '0.0.1' } }) {
    const result = await this.call('initialize', params);
    await this.notify('initialized');
    return result;
  }

  // Notifications (no id) received so far, optionally for one method.
  notifications(method) {
    return this.flat.filter((m) => m && typeof m.method === 'string' && !('id' in m)
      && (method === undefined || m.method === method));
  }

  // Waits for a notification with `method` (and matching `pred(params)`) received at index
  // >= `since` in this.flat (default: any time). Returns it.
  async waitNotification(method, pred = () => true, { since = 0, timeout = DEFAULT_TIMEOUT_MS } = {}) {
    return this.waitFor(() => this.flat.slice(since).find((m) => m && m.method === method
      && !('id' in m) && pred(m.params || {})), timeout, `${method} notification`);
  }

  // Asserts that nothing matching `pred` arrives within `ms`, starting at index `since`.
  async expectNone(pred, ms = 300, since = 0, what = 'message') {
    await sleep(ms);
    const found = this.flat.slice(since).find(pred);
    assert.equal(found, undefined, `${this.name}: unexpected ${what}: ${JSON.stringify(found)?.slice(0, 300)}`);
  }

  mark() {
    return this.flat.length;
  }

  // Requests the server sent to this client (approvals etc.) so far, optionally for one
  // method.
  serverRequests(method) {
    return this.flat.filter((m) => m && typeof m.method === 'string' && 'id' in m
      && (method === undefined || m.method === method));
  }

  // Waits for a server request with `method` (and matching `pred(params)`) received at index
  // >= `since` in this.flat. Returns the whole message ({id, method, params}).
  async waitServerRequest(method, pred = () => true, { since = 0, timeout = DEFAULT_TIMEOUT_MS } = {}) {
    return this.waitFor(() => this.flat.slice(since).find((m) => m && m.method === method
      && 'id' in m && pred(m.params || {})), timeout, `${method} server request`);
  }

  // Answers a server request with a result.
  respond(id, result) {
    return this.send({ jsonrpc: '2.0', id, result });
  }

  // Answers a server request with an error.
  respondError(id, code, message, data) {
    const error = { code, message };
    if (data !== undefined) error.data = data;
    return this.send({ jsonrpc: '2.0', id, error });
  }

  // Every problem found in what the server wrote on this connection.
  validationProblems() {
    const v = schemaValidator();
    const problems = [];
    this.lines.forEach((entry, i) => {
      if (entry.parseError) {
        problems.push(`${this.name} line ${i}: not JSON (${entry.parseError}): ${entry.raw.slice(0, 200)}`);
        return;
      }
      const parts = Array.isArray(entry.msg) ? entry.msg : [entry.msg];
      if (Array.isArray(entry.msg) && entry.msg.length === 0) {
        problems.push(`${this.name} line ${i}: empty batch reply`);
      }
      for (const m of parts) {
        for (const p of v.validateMessage(m, (id) => this.methodOf(id))) {
          problems.push(`${this.name} line ${i}: ${p} -- ${entry.raw.slice(0, 300)}`);
        }
      }
    });
    return problems;
  }

  close() {
    try {
      if (typeof this.writable.destroy === 'function' && this.writable instanceof net.Socket) this.writable.destroy();
      else this.writable.end();
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------------------------------
// Server processes

export class Server {
  constructor(proc, ctx, { stdio }) {
    this.proc = proc;
    this.ctx = ctx;
    this.stderr = '';
    this.exited = false;
    this.exitCode = null;
    this.signal = null;
    this.stderrWaiters = [];
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (c) => {
      this.stderr += c;
      if (DEBUG) process.stderr.write(`[server stderr] ${c}`);
      for (const w of this.stderrWaiters.splice(0)) w();
    });
    this.exitPromise = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.signal = signal;
        for (const w of this.stderrWaiters.splice(0)) w();
        resolve({ code, signal });
      });
    });
    proc.on('error', (e) => {
      this.stderr += `\n[spawn error] ${e.message}\n`;
    });
    this.client = stdio ? ctx.track(new Client('stdio', proc.stdout, proc.stdin)) : null;
    if (!stdio) {
      proc.stdout.setEncoding('utf8');
      this.stdout = '';
      proc.stdout.on('data', (c) => { this.stdout += c; });
    }
  }

  // Waits for the process to exit; returns {code, signal}.
  waitExit(ms = DEFAULT_TIMEOUT_MS) {
    return withTimeout(this.exitPromise, ms, 'server exit');
  }

  async waitStderr(re, ms = DEFAULT_TIMEOUT_MS) {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.stderr.match(re);
      if (m) return m;
      if (this.exited) throw new Error(`server exited (code ${this.exitCode}, signal ${this.signal}) before printing ${re}; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re} on server stderr; stderr so far:\n${this.stderr}`);
      await withTimeout(new Promise((r) => this.stderrWaiters.push(r)), left, 'stderr').catch(() => {});
    }
  }

  kill(signal = 'SIGTERM') {
    if (!this.exited) this.proc.kill(signal);
  }

  // For --listen servers: opens a new client connection.
  async connect(name) {
    assert.ok(this.address, 'server has no listen address');
    const socket = await new Promise((resolve, reject) => {
      const s = this.address.type === 'unix'
        ? net.createConnection({ path: this.address.path })
        : net.createConnection({ host: this.address.host, port: this.address.port });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    this.ctx.sockets.push(socket);
    return this.ctx.track(new Client(name, socket, socket));
  }
}

export function parseListenAddress(text) {
  text = text.trim();
  let m = text.match(/^unix:(.+)$/);
  if (m) return { type: 'unix', path: m[1], text };
  m = text.match(/^(?:tcp:)?\[?([0-9a-fA-F.:]+?|localhost)\]?:(\d+)$/);
  if (m) return { type: 'tcp', host: m[1], port: Number(m[2]), text };
  throw new Error(`cannot parse listen address: ${text}`);
}

// ---------------------------------------------------------------------------------------
// The mock model provider

const MOCK_PROVIDER = path.join(REPO, 'tests', 'tools', 'mock_responses_server.mjs');

export class MockProvider {
  constructor(proc) {
    this.proc = proc;
    this.stderr = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (c) => {
      this.stderr += c;
      if (DEBUG) process.stderr.write(`[mock stderr] ${c}`);
    });
    proc.stdout.setEncoding('utf8');
    this.ready = withTimeout(new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (c) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl >= 0 && this.port === undefined) {
          this.port = JSON.parse(out.slice(0, nl)).port;
          this.baseUrl = `http://127.0.0.1:${this.port}/v1`;
          resolve(this);
        }
      });
      proc.on('exit', (code) => reject(new Error(`mock provider exited (${code}) before it listened:\n${this.stderr}`)));
      proc.on('error', reject);
    }), 10000, 'the mock provider to listen');
  }

  async get(pathname) {
    const res = await fetch(`http://127.0.0.1:${this.port}${pathname}`);
    return res.json();
  }

  // Every Responses request body the mock received, oldest first.
  requests() {
    return this.get('/requests');
  }

  async reset() {
    await fetch(`http://127.0.0.1:${this.port}/reset`, { method: 'POST' });
  }
}

// A config.toml (Codex key names) with the mock as the default provider "mock". Options:
// model, approvalPolicy, sandboxMode, retries (request_max_retries and stream_max_retries),
// idleTimeoutMs, extra (more lines for the top level).
export function mockConfig(mock, {
  model = 'mock-model', approvalPolicy = 'on-request', sandboxMode = 'workspace-write',
  retries = 2, idleTimeoutMs = 300000, extra = [],
} = {}) {
  return [
    `model = "${model}"`,
    'model_provider = "mock"',
    `approval_policy = "${approvalPolicy}"`,
    `sandbox_mode = "${sandboxMode}"`,
    ...extra,
    '',
    '[model_providers.mock]',
    'name = "Mock"',
    `base_url = "${mock.baseUrl}"`,
    'wire_api = "responses"',
    `request_max_retries = ${retries}`,
    `stream_max_retries = ${retries}`,
    `stream_idle_timeout_ms = ${idleTimeoutMs}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------
// Per-test context

export class E2E {
  constructor(t) {
    this.t = t;
    this.dirs = [];
    this.servers = [];
    this.clients = [];
    this.sockets = [];
    this.procs = []; // helper processes (the mock provider), killed at cleanup
    this.home = this.tmpdir('home');
    this.db = path.join(this.home, 'spool.db');
  }

  tmpdir(tag = 'tmp') {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `spool-e2e-${tag}-`));
    this.dirs.push(d);
    return d;
  }

  track(client) {
    this.clients.push(client);
    return client;
  }

  env(extra = {}) {
    return { ...process.env, SPOOL_HOME: this.home, HOME: this.home, CODEX_HOME: path.join(this.home, 'no-codex-home'), ...extra };
  }

  writeConfig(toml) {
    fs.writeFileSync(path.join(this.home, 'config.toml'), toml);
  }

  // Runs `spool ARGS...` to completion; resolves to {code, stdout, stderr}.
  run(args, { timeout = 30000 } = {}) {
    return new Promise((resolve) => {
      execFile(SPOOL_BINARY, args, { env: this.env(), timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  // Imports Codex rollouts into this context's database (default: the 0.169.0 fixture home).
  async importCodex(codexHome = CODEX_169_HOME, db = this.db) {
    const r = await this.run(['import', '--db', db, '--codex-home', codexHome]);
    assert.equal(r.code, 0, `spool import failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  // Writes a deterministic corpus of `threads` listable Codex threads (`spool bench gen`:
  // assorted providers, sources, cwds and past timestamps, each with a user message, so a
  // preview; a few in archived_sessions/) and imports it into `db`. Returns the thread ids:
  // {active, archived}.
  async importCorpus({ threads, turns = 1, seed = 1, db = this.db } = {}) {
    const out = this.tmpdir('corpus');
    const gen = await this.run(['bench', 'gen', '--threads', String(threads), '--turns', String(turns), '--seed', String(seed), '--out', out]);
    assert.equal(gen.code, 0, `spool bench gen failed:\n${gen.stdout}\n${gen.stderr}`);
    await this.importCodex(out, db);
    const idsOut = { active: [], archived: [] };
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else {
          const m = e.name.match(/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/);
          if (m) idsOut[path.relative(out, p).startsWith('archived_sessions') ? 'archived' : 'active'].push(m[1]);
        }
      }
    };
    walk(out);
    return idsOut;
  }

  spawnServer(args) {
    assert.ok(fs.existsSync(SPOOL_BINARY), `no spool binary at ${SPOOL_BINARY} (set SPOOL_BINARY)`);
    const proc = spawn(SPOOL_BINARY, ['serve', ...args], { env: this.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    return proc;
  }

  // `spool serve` over stdio. Returns the Server; its .client is the stdio session.
  serveStdio({ db = this.db, args = [] } = {}) {
    const proc = this.spawnServer(['--db', db, ...args]);
    const server = new Server(proc, this, { stdio: true });
    this.servers.push(server);
    return server;
  }

  // `spool serve --listen ADDRESS`; waits for the "listening on" line.
  async serveListen(listen, { db = this.db, args = [] } = {}) {
    const proc = this.spawnServer(['--db', db, '--listen', listen, ...args]);
    const server = new Server(proc, this, { stdio: false });
    this.servers.push(server);
    const m = await server.waitStderr(/spool serve: listening on (\S+)\s*\n/, 10000);
    server.listenLine = m[0];
    server.address = parseListenAddress(m[1]);
    return server;
  }

  async serveUnix(opts = {}) {
    const sock = path.join(this.tmpdir('sock'), 'spool.sock');
    const server = await this.serveListen(`unix:${sock}`, opts);
    server.socketPath = sock;
    return server;
  }

  // Starts a stdio server and initializes its session; returns {server, client}.
  async initializedStdio(opts = {}) {
    const server = this.serveStdio(opts);
    await server.client.initialize();
    return { server, client: server.client };
  }

  // Starts the mock Responses provider (tests/tools/mock_responses_server.mjs) on 127.0.0.1
  // and, unless `config` is false, writes a config.toml that makes it the default provider
  // (see mockConfig() for the options). The process is stopped at cleanup. Returns the
  // MockProvider.
  async startMockProvider({ config = {} } = {}) {
    const proc = spawn(process.execPath, [MOCK_PROVIDER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.procs.push(proc);
    const mock = new MockProvider(proc);
    await mock.ready;
    if (config !== false) this.writeConfig(mockConfig(mock, config));
    return mock;
  }

  async cleanup() {
    for (const s of this.sockets) s.destroy();
    for (const server of this.servers) {
      if (server.exited) continue;
      try {
        server.proc.stdin.destroy();
      } catch { /* gone */ }
      server.proc.kill('SIGKILL');
      await withTimeout(server.exitPromise, 5000, 'killed server exit').catch(() => {});
    }
    for (const proc of this.procs) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const exited = new Promise((r) => proc.once('exit', r));
      try {
        proc.stdin.destroy();
      } catch { /* gone */ }
      proc.kill('SIGKILL');
      await withTimeout(exited, 5000, 'helper process exit').catch(() => {});
    }
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }

  validationProblems() {
    return this.clients.flatMap((c) => c.validationProblems());
  }

  // Server stderr of every server of the test (for failure messages).
  stderrs() {
    return this.servers.map((s, i) => `--- server ${i} stderr ---\n${s.stderr.slice(-3000)}`).join('\n');
  }
}

// Declares a test with an E2E context. Validation of every server message runs after the
// body (also when it failed: both are reported), cleanup always runs.
export function e2eTest(name, opts, fn) {
  if (typeof opts === 'function') {
    fn = opts;
    opts = {};
  }
  return test(name, { timeout: 30000, ...opts }, async (t) => {
    const ctx = new E2E(t);
    let bodyError = null;
    try {
      await fn(ctx, t);
    } catch (e) {
      bodyError = e;
    }
    let problems = [];
    try {
      problems = ctx.validationProblems();
    } finally {
      const stderr = ctx.stderrs();
      await ctx.cleanup();
      if (bodyError) {
        if (problems.length) bodyError.message += `\nAlso, schema validation problems:\n  ${problems.join('\n  ')}`;
        if (stderr.trim() && process.env.SPOOL_E2E_SHOW_STDERR) bodyError.message += `\n${stderr}`;
        throw bodyError;
      }
      assert.deepEqual(problems, [], `server messages that do not validate against the Codex 0.169.0 schema:\n  ${problems.join('\n  ')}`);
    }
  });
}

// Asserts an error object's code (and optionally that its message matches).
export function assertError(error, code, messageRe) {
  assert.ok(error, `expected an error ${code}, got none`);
  assert.equal(error.code, code, `expected error code ${code}, got ${error.code}: ${error.message}`);
  if (messageRe) {
    if (typeof messageRe === 'string') {
      assert.ok(error.message.includes(messageRe), `error message ${JSON.stringify(error.message)} should contain ${JSON.stringify(messageRe)}`);
    } else {
      assert.match(error.message, messageRe);
    }
  }
}

// Collects every page of thread/list; returns {threads, pages}.
export async function listAll(client, params = {}, { maxPages = 200 } = {}) {
  const threads = [];
  const pages = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await client.call('thread/list', { ...params, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    threads.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) return { threads, pages };
  }
  throw new Error(`thread/list did not end within ${maxPages} pages`);
}

export { assert, test };

// ---------------------------------------------------------------------------------------
// Live turns

// Messages `client` received (from index `since`) that belong to turn `turnId`: notifications
// whose params carry that turnId (or turn.id) and server requests for it.
export function turnMessages(client, turnId, since = 0) {
  return client.flat.slice(since).filter((m) => m && typeof m.method === 'string'
    && (m.params?.turnId === turnId || m.params?.turn?.id === turnId));
}

// The items of the turn's item/completed notifications, in order.
export function completedItems(client, turnId, since = 0) {
  return client.flat.slice(since)
    .filter((m) => m && m.method === 'item/completed' && !('id' in m) && m.params?.turnId === turnId)
    .map((m) => m.params.item);
}

// The text of the deltas notified for an item (`method` e.g. item/agentMessage/delta).
export function deltaText(client, itemId, method = 'item/agentMessage/delta', since = 0) {
  return client.flat.slice(since)
    .filter((m) => m && m.method === method && !('id' in m) && m.params?.itemId === itemId)
    .map((m) => m.params.delta).join('');
}

// Waits for turn/completed of `turnId`; returns its params ({threadId, turn}).
export async function waitTurnCompleted(client, turnId, { since = 0, timeout = 15000 } = {}) {
  const n = await client.waitNotification('turn/completed', (p) => p.turn?.id === turnId, { since, timeout });
  return n.params;
}

// turn/start with one text input; returns the turn of the answer (status inProgress).
export async function startTurn(client, threadId, text, extra = {}) {
  const r = await client.call('turn/start', { threadId, input: [{ type: 'text', text }], ...extra });
  return r.turn;
}

// Starts a turn and waits for its turn/completed. Returns {turn (the final one), started
// (the turn/start answer), items (item/completed items), since (the mark before the start)}.
export async function runTurn(client, threadId, text, extra = {}, { timeout = 15000 } = {}) {
  const since = client.mark();
  const started = await startTurn(client, threadId, text, extra);
  const done = await waitTurnCompleted(client, started.id, { since, timeout });
  return { turn: done.turn, started, items: completedItems(client, started.id, since), since };
}

// The turns of `threadId` as `client` saw them: one per turn/completed (in order), with the
// turn/completed turn's fields and, as items, the items of the turn's item/completed
// notifications.
export function seenTurns(client, threadId, since = 0) {
  return client.flat.slice(since)
    .filter((m) => m && m.method === 'turn/completed' && !('id' in m) && m.params?.threadId === threadId)
    .map((m) => ({ ...m.params.turn, items: completedItems(client, m.params.turn.id, since) }));
}

// The fields of a turn that must survive a resume exactly (all but itemsView).
export function turnEssentials(turn) {
  const { itemsView, ...rest } = turn; // eslint-disable-line no-unused-vars
  return rest;
}

// Checks what `client` received for one finished turn (from index `since`): turn/started
// first and turn/completed last (once each); every item started once and completed once,
// with the same type, and nothing completed that did not start; every delta between its
// item's item/started and item/completed; the completed text of agent messages and
// reasoning summaries equal to their deltas; command output starting with its output deltas; the
// thread's last status before turn/completed idle; turn/completed's items (per its itemsView)
// those of the item/completed notifications. Returns the turn/completed turn.
export function checkTurnStream(client, threadId, turnId, since = 0) {
  const all = client.flat.slice(since);
  const msgs = turnMessages(client, turnId, since);
  const where = `turn ${turnId} on ${client.name}`;
  assert.ok(msgs.length > 0, `${where}: no messages`);
  assert.equal(msgs[0].method, 'turn/started', `${where}: the first message is turn/started`);
  assert.equal(msgs.at(-1).method, 'turn/completed', `${where}: the last message is turn/completed`);
  assert.equal(msgs.filter((m) => m.method === 'turn/started').length, 1, `${where}: one turn/started`);
  assert.equal(msgs.filter((m) => m.method === 'turn/completed').length, 1, `${where}: one turn/completed`);
  const open = new Map(); // item id -> item/started item
  const done = new Set();
  for (const m of msgs) {
    const p = m.params;
    if (m.method === 'item/started') {
      assert.ok(!open.has(p.item.id) && !done.has(p.item.id), `${where}: item ${p.item.id} started twice`);
      open.set(p.item.id, p.item);
    } else if (m.method === 'item/completed') {
      assert.ok(open.has(p.item.id), `${where}: item/completed for ${p.item.id} (${p.item.type}) without item/started`);
      assert.equal(p.item.type, open.get(p.item.id).type, `${where}: item ${p.item.id} changed type`);
      open.delete(p.item.id);
      done.add(p.item.id);
    } else if (typeof p.itemId === 'string' && !('id' in m)) {
      assert.ok(open.has(p.itemId), `${where}: ${m.method} for item ${p.itemId}, which is not in progress`);
    }
  }
  assert.deepEqual([...open.keys()], [], `${where}: items started but never completed`);
  for (const item of completedItems(client, turnId, since)) {
    if (item.type === 'agentMessage') {
      assert.equal(item.text, deltaText(client, item.id, 'item/agentMessage/delta', since),
        `${where}: agent message ${item.id} text = its deltas`);
    } else if (item.type === 'reasoning') {
      const parts = all.filter((m) => m.method === 'item/reasoning/summaryPartAdded' && m.params.itemId === item.id);
      assert.deepEqual(parts.map((m) => m.params.summaryIndex), item.summary.map((_, i) => i),
        `${where}: one summaryPartAdded per summary part of ${item.id}`);
      item.summary.forEach((text, i) => {
        const deltas = all.filter((m) => m.method === 'item/reasoning/summaryTextDelta'
          && m.params.itemId === item.id && m.params.summaryIndex === i).map((m) => m.params.delta).join('');
        assert.equal(text, deltas, `${where}: reasoning ${item.id} summary ${i} = its deltas`);
      });
    } else if (item.type === 'commandExecution' && item.aggregatedOutput != null) {
      // The output deltas, possibly followed by a note that was not streamed (an
      // interrupted command's "command interrupted").
      const streamed = deltaText(client, item.id, 'item/commandExecution/outputDelta', since);
      assert.ok(item.aggregatedOutput.startsWith(streamed),
        `${where}: command ${item.id} aggregatedOutput ${JSON.stringify(item.aggregatedOutput)} starts with its output deltas ${JSON.stringify(streamed)}`);
    }
  }
  const completedAt = all.findIndex((m) => m.method === 'turn/completed' && m.params?.turn?.id === turnId);
  const statuses = all.slice(0, completedAt)
    .filter((m) => m.method === 'thread/status/changed' && m.params.threadId === threadId);
  assert.ok(statuses.length > 0, `${where}: thread/status/changed before turn/completed`);
  assert.deepEqual(statuses.at(-1).params.status, { type: 'idle' }, `${where}: the thread is idle before turn/completed`);
  const turn = msgs.at(-1).params.turn;
  assert.ok(['completed', 'failed', 'interrupted'].includes(turn.status), `${where}: final status ${turn.status}`);
  // turn/completed's items agree with the item/completed notifications.
  const items = completedItems(client, turnId, since);
  if (turn.itemsView === 'full' || turn.itemsView === undefined) {
    assert.deepEqual(turn.items, items, `${where}: turn/completed items (full) = the completed items`);
  } else if (turn.itemsView === 'summary') {
    for (const it of turn.items) {
      assert.deepEqual(it, items.find((x) => x.id === it.id), `${where}: turn/completed summary item ${it.id}`);
    }
  } else {
    assert.deepEqual(turn.items, [], `${where}: turn/completed items (notLoaded)`);
  }
  return turn;
}

// Asserts that the turns of a thread/resume (or thread/read) answer are exactly `expected`
// (seenTurns() of the client that watched them): same ids, statuses, errors, times and the
// same items in the same order, field for field.
export function assertSameTurns(actual, expected, what = 'resumed turns') {
  assert.deepEqual(actual.map((t) => t.id), expected.map((t) => t.id), `${what}: turn ids`);
  actual.forEach((t, i) => {
    assert.deepEqual(t.items, expected[i].items, `${what}: items of turn ${i} (${t.id})`);
    assert.deepEqual(turnEssentials(t), turnEssentials(expected[i]), `${what}: turn ${i} (${t.id})`);
  });
}

// A mock provider, a stdio server and a thread started in a fresh cwd.
export async function stdioThread(h, { config = {}, threadParams = {} } = {}) {
  const mock = await h.startMockProvider({ config });
  const { server, client } = await h.initializedStdio();
  const cwd = h.tmpdir('cwd');
  const started = await client.call('thread/start', { cwd, ...threadParams });
  return { mock, server, client, cwd, thread: started.thread, started };
}

// The same on `spool serve --listen unix:...`, with client A.
export async function unixThread(h, { config = {}, threadParams = {} } = {}) {
  const mock = await h.startMockProvider({ config });
  const server = await h.serveUnix();
  const a = await server.connect('A');
  await a.initialize();
  const cwd = h.tmpdir('cwd');
  const started = await a.call('thread/start', { cwd, ...threadParams });
  return { mock, server, a, cwd, thread: started.thread };
}

// The key property: thread/resume returns exactly the turns `watcher` was notified of: on
// `watcher`'s own connection, on a new connection (listening servers), with thread/read and
// thread/turns/list, and
// after the server is killed (SIGKILL: what was notified was already stored), from a new
// server process on the same database. Returns the new process's client.
export async function checkResume(h, server, watcher, threadId) {
  const expected = seenTurns(watcher, threadId);
  assert.ok(expected.length > 0, 'the watcher saw turns');
  const same = await watcher.call('thread/resume', { threadId });
  assertSameTurns(same.thread.turns, expected, 'thread/resume on the same connection');
  const read = await watcher.call('thread/read', { threadId, includeTurns: true });
  assertSameTurns(read.thread.turns, expected, 'thread/read');
  const listed = await watcher.call('thread/turns/list', { threadId, itemsView: 'full', sortDirection: 'asc', limit: 100 });
  assertSameTurns(listed.data, expected, 'thread/turns/list (full)');
  if (server.address) {
    const other = await server.connect('resumer');
    await other.initialize();
    const r = await other.call('thread/resume', { threadId });
    assertSameTurns(r.thread.turns, expected, 'thread/resume from a new connection');
  }
  server.kill('SIGKILL');
  await server.waitExit();
  const { client } = await h.initializedStdio();
  const fresh = await client.call('thread/resume', { threadId });
  assertSameTurns(fresh.thread.turns, expected, 'thread/resume in a new server process');
  assert.deepEqual(fresh.thread.status, { type: 'idle' });
  return client;
}
