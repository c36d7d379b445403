#!/usr/bin/env node
// A mock of the OpenAI Responses API for Spool's test suite: scripted text/event-stream
// replies chosen by the last user message, Codex-style rate-limit headers on every reply, and
// a record of every request body so tests can assert on what the client sent. It also serves
// a model list (GET /models) and a feedback sink (POST /feedback), and /control/* endpoints
// let a test change the model list, the rate-limit headers and the feedback replies.
//
// Usage: node mock_responses_server.mjs [--port N]
//   Listens on 127.0.0.1 (port 0 = any free port, the default) and prints one line
//   {"port": N} on stdout when ready; logs go to stderr. Exits on SIGTERM / SIGINT or when
//   its stdin closes (spawn it with a stdin pipe; stdin from /dev/null ends it at once).
//
// Endpoints:
//   POST /v1/responses, POST /responses  a Responses request; it must be JSON with
//                                        "stream": true, else 400 with a JSON error
//   GET  /requests                       every Responses request body received, oldest first
//                                        (?full=1: [{method, path, url, headers, body}];
//                                        url is the request target with its query); only
//                                        Responses requests are recorded here
//   GET  /v1/models, GET /models         a model list; by default OpenAI's shape:
//                                        {"object":"list","data":[{"id":"mock-model",...},
//                                        {"id":"mock-reasoner-codex",...}]} (each entry has
//                                        id, object "model", created 0, owned_by
//                                        "spool-tests")
//   POST /control/models {status, body}  later model lists answer HTTP `status` (default 200)
//                                        with `body` (any JSON, e.g. a Codex-shape
//                                        {"models":[...]} or an error object; default: the
//                                        default list); a string body is sent as it is
//   POST /control/headers {name: value|null, ...}
//                                        overrides rate-limit headers of every later reply
//                                        (Responses and errors alike): a string sets that
//                                        header, null removes it; calls accumulate.
//                                        {"reset": true} restores the defaults. Answers the
//                                        headers now in force.
//   POST /feedback                       records the JSON body (a body that is not JSON is
//                                        recorded as its text) and answers {"ok":true}, or
//                                        what /control/feedback set
//   GET  /feedback                       the recorded feedback bodies, oldest first
//   POST /control/feedback {status, body}
//                                        later POST /feedback answer HTTP `status` with
//                                        `body` (default {"ok":true} for 2xx, else a JSON
//                                        error); the post is still recorded
//   POST /reset                          forgets the requests, the fail-once state, the
//                                        feedback, and every /control/* override
//   anything else                        400 with a JSON error
//
// Scripts, chosen by the text of the LAST user message in `input` (the marker may appear
// anywhere in it):
//   (default)            reasoning item with two summary parts, then the assistant message
//                        "Hello from the mock model!" in 3 deltas
//   RUN_SHELL:           a function_call to `shell` with
//                        {"command":["sh","-c","echo hi > out.txt && echo done"],
//                         "workdir":null,"timeout_ms":10000}; once the input carries the
//                        matching function_call_output (after the last user message):
//                        the message "The command ran."
//   DECLINE_ME           the same shape with a harmless command (echo), then
//                        "Understood, not running it."
//   RUN_SLEEP:           the same shape with {"command":["sleep","30"],"workdir":null,
//                        "timeout_ms":60000} (a command to interrupt), then "The sleep ended."
//   RUN_FAIL:            the same shape with
//                        {"command":["sh","-c","echo oops >&2; exit 3"],...,"timeout_ms":10000}
//                        (exits 3), then "The command failed."
//   RUN_SAFE:            the same shape with a known-safe command {"command":["echo","safe"],
//                        ...,"timeout_ms":10000}, then "The safe command ran."
//   FAIL_HTTP:           HTTP 500 the first time for a given input; the same input again gets
//                        the default reply
//   FAIL_HTTP_ALWAYS:    HTTP 500 every time
//   RATE_LIMIT:          HTTP 429 with retry-after: 0 the first time for a given input, then
//                        the default reply
//   FAIL_STREAM:         starts a message, then response.failed with
//                        error {code: "server_error", message: "mock failure"}
//   STREAM_ERROR:        starts a message, then an `error` event (code "server_error")
//   SLOW:                a long message, one delta every 200 ms for about 20 s (stops early
//                        when the client goes away)
//   DROP:                a few events, then the socket is destroyed mid-stream
//   DROP_ONCE:           like DROP: the first time for a given input, then the default reply
//   UNAUTHORIZED:        HTTP 401 with a JSON error (code "invalid_api_key") every time
//   RATE_LIMIT_ALWAYS:   HTTP 429 with retry-after-ms: 150 every time
//   BAD_EVENT:           response.created, then an event whose data is not JSON
//   AFTER_COMPLETED:     the default reply, then one more output_text.delta after
//                        response.completed before the body ends
// A function_call_output after the last user message whose call_id this server never issued
// gets a 400.
//
// Every SSE event is `event: <type>` + `data: <json>` where the JSON has "type" and
// "sequence_number" (from 0 in each response). Ids are deterministic: resp_mock_N,
// rs_mock_N, msg_mock_N, fc_mock_N, call_mock_N, counted from server start.

import http from 'node:http';
import { createHash } from 'node:crypto';

const kModel = 'mock-model';
const kDefaultMessage = 'Hello from the mock model!';
const kDefaultDeltas = ['Hello from ', 'the mock ', 'model!'];
const kReasoningSummaries = [
  ['**Thinking it over**\n\n', 'The user said hello.'],
  ['**Answering**\n\n', 'I will greet them back.'],
];
const kShellCommandRun = ['sh', '-c', 'echo hi > out.txt && echo done'];
const kShellCommandDecline = ['sh', '-c', 'echo this should not run'];
// The shell scripts: the command the model calls and the message once it has the output.
const kShellScripts = {
  'RUN_SHELL:': { command: kShellCommandRun, timeout_ms: 10000, reply: ['The command ', 'ran.'] },
  DECLINE_ME: { command: kShellCommandDecline, timeout_ms: 10000,
    reply: ['Understood, ', 'not running it.'] },
  'RUN_SLEEP:': { command: ['sleep', '30'], timeout_ms: 60000, reply: ['The sleep ', 'ended.'] },
  'RUN_FAIL:': { command: ['sh', '-c', 'echo oops >&2; exit 3'], timeout_ms: 10000,
    reply: ['The command ', 'failed.'] },
  'RUN_SAFE:': { command: ['echo', 'safe'], timeout_ms: 10000,
    reply: ['The safe command ', 'ran.'] },
};
const kUsage = {
  input_tokens: 120,
  input_tokens_details: { cached_tokens: 20 },
  output_tokens: 30,
  output_tokens_details: { reasoning_tokens: 10 },
  total_tokens: 150,
};

let port = 0;
for (let i = 2; i < process.argv.length; ++i) {
  if (process.argv[i] === '--port' && i + 1 < process.argv.length) {
    port = Number(process.argv[++i]);
  } else if (process.argv[i].startsWith('--port=')) {
    port = Number(process.argv[i].slice('--port='.length));
  } else {
    process.stderr.write(`mock: unknown argument ${process.argv[i]}\n`);
    process.exit(2);
  }
}

let requests = [];            // {method, path, url, headers, body}
let failedOnce = new Set();   // fail-once keys (script + hash of input) already failed
let headerOverrides = {};     // header name (lower case) -> value, or null to remove it
let modelsReply = null;       // {status, body} from POST /control/models; null: the default
let feedback = [];            // POST /feedback bodies, oldest first
let feedbackReply = null;     // {status, body} from POST /control/feedback; null: 200 ok
const issuedCalls = new Map(); // call_id -> script name
let counter = 0;
const nextId = (prefix) => `${prefix}_mock_${++counter}`;

function log(msg) {
  process.stderr.write(`mock: ${msg}\n`);
}

function defaultRateLimitHeaders() {
  const now = Math.floor(Date.now() / 1000);
  return {
    'x-codex-primary-used-percent': '13',
    'x-codex-primary-window-minutes': '300',
    'x-codex-primary-reset-at': String(now + 3600),
    'x-codex-secondary-used-percent': '40',
    'x-codex-secondary-window-minutes': '10080',
    'x-codex-secondary-reset-at': String(now + 3 * 24 * 3600),
    'x-codex-credits-has-credits': 'true',
    'x-codex-credits-unlimited': 'false',
    'x-codex-credits-balance': '10',
  };
}

// The defaults with POST /control/headers applied.
function rateLimitHeaders() {
  const headers = defaultRateLimitHeaders();
  for (const [name, value] of Object.entries(headerOverrides)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return headers;
}

const kDefaultModels = {
  object: 'list',
  data: ['mock-model', 'mock-reasoner-codex'].map((id) => ({
    id, object: 'model', created: 0, owned_by: 'spool-tests',
  })),
};

function sendJson(res, status, body, extraHeaders = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': nextId('req'),
    ...rateLimitHeaders(),
    ...extraHeaders,
  });
  res.end(text);
}

function sendError(res, status, message, type = 'invalid_request_error', code = null,
                   extraHeaders = {}) {
  sendJson(res, status, { error: { message, type, param: null, code } }, extraHeaders);
}

// The text of the last user message in a Responses `input`, and the items after it.
function lastUserMessage(input) {
  if (typeof input === 'string') return { text: input, after: [] };
  if (!Array.isArray(input)) return { text: '', after: [] };
  for (let i = input.length - 1; i >= 0; --i) {
    const item = input[i];
    if (!item || item.role !== 'user' || (item.type !== undefined && item.type !== 'message')) {
      continue;
    }
    let text = '';
    if (typeof item.content === 'string') {
      text = item.content;
    } else if (Array.isArray(item.content)) {
      text = item.content
        .filter((c) => c && typeof c.text === 'string')
        .map((c) => c.text)
        .join('\n');
    }
    return { text, after: input.slice(i + 1) };
  }
  return { text: '', after: input.slice() };
}

function chooseScript(text) {
  const markers = ['FAIL_HTTP_ALWAYS:', 'FAIL_HTTP:', 'RATE_LIMIT:', 'FAIL_STREAM:',
    'STREAM_ERROR:', 'RUN_SHELL:', 'DECLINE_ME', 'SLOW:', 'DROP:', 'DROP_ONCE:',
    'UNAUTHORIZED:', 'RATE_LIMIT_ALWAYS:', 'BAD_EVENT:', 'AFTER_COMPLETED:', 'RUN_SLEEP:',
    'RUN_FAIL:', 'RUN_SAFE:'];
  return markers.find((m) => text.includes(m)) ?? 'default';
}

// Writes SSE events for one response, tracking sequence numbers and the output items.
class Stream {
  constructor(res, request) {
    this.res = res;
    this.seq = 0;
    this.closed = false;
    this.output = [];
    this.response = {
      id: nextId('resp'),
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'in_progress',
      error: null,
      incomplete_details: null,
      model: typeof request.model === 'string' ? request.model : kModel,
      output: [],
      parallel_tool_calls: request.parallel_tool_calls ?? false,
      tool_choice: request.tool_choice ?? 'auto',
      tools: Array.isArray(request.tools) ? request.tools : [],
      usage: null,
    };
    res.on('close', () => { this.closed = true; });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': nextId('req'),
      ...rateLimitHeaders(),
    });
  }

  send(type, fields = {}) {
    if (this.closed) return;
    const data = { type, sequence_number: this.seq++, ...fields };
    this.res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  snapshot(extra = {}) {
    return { ...this.response, output: this.output.slice(), ...extra };
  }

  begin() {
    this.send('response.created', { response: this.snapshot() });
    this.send('response.in_progress', { response: this.snapshot() });
  }

  reasoning(summaries) {
    const output_index = this.output.length;
    const id = nextId('rs');
    this.send('response.output_item.added',
      { output_index, item: { id, type: 'reasoning', summary: [] } });
    const summary = [];
    summaries.forEach((deltas, summary_index) => {
      const text = deltas.join('');
      this.send('response.reasoning_summary_part.added',
        { item_id: id, output_index, summary_index, part: { type: 'summary_text', text: '' } });
      for (const delta of deltas) {
        this.send('response.reasoning_summary_text.delta',
          { item_id: id, output_index, summary_index, delta });
      }
      this.send('response.reasoning_summary_text.done',
        { item_id: id, output_index, summary_index, text });
      this.send('response.reasoning_summary_part.done',
        { item_id: id, output_index, summary_index, part: { type: 'summary_text', text } });
      summary.push({ type: 'summary_text', text });
    });
    const item = { id, type: 'reasoning', summary };
    this.output.push(item);
    this.send('response.output_item.done', { output_index, item });
  }

  messageStart() {
    const output_index = this.output.length;
    const id = nextId('msg');
    this.send('response.output_item.added', {
      output_index,
      item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    });
    this.send('response.content_part.added', {
      item_id: id, output_index, content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    return { id, output_index, text: '' };
  }

  messageDelta(msg, delta) {
    msg.text += delta;
    this.send('response.output_text.delta',
      { item_id: msg.id, output_index: msg.output_index, content_index: 0, delta, logprobs: [] });
  }

  messageEnd(msg) {
    const part = { type: 'output_text', text: msg.text, annotations: [] };
    this.send('response.output_text.done', {
      item_id: msg.id, output_index: msg.output_index, content_index: 0, text: msg.text,
      logprobs: [],
    });
    this.send('response.content_part.done',
      { item_id: msg.id, output_index: msg.output_index, content_index: 0, part });
    const item = { id: msg.id, type: 'message', status: 'completed', role: 'assistant',
      content: [part] };
    this.output.push(item);
    this.send('response.output_item.done', { output_index: msg.output_index, item });
  }

  message(deltas) {
    const msg = this.messageStart();
    for (const d of deltas) this.messageDelta(msg, d);
    this.messageEnd(msg);
  }

  functionCall(name, args) {
    const output_index = this.output.length;
    const id = nextId('fc');
    const call_id = nextId('call');
    const argsText = JSON.stringify(args);
    this.send('response.output_item.added', {
      output_index,
      item: { id, type: 'function_call', status: 'in_progress', name, call_id, arguments: '' },
    });
    const half = Math.floor(argsText.length / 2);
    for (const delta of [argsText.slice(0, half), argsText.slice(half)]) {
      this.send('response.function_call_arguments.delta', { item_id: id, output_index, delta });
    }
    this.send('response.function_call_arguments.done',
      { item_id: id, output_index, arguments: argsText });
    const item = { id, type: 'function_call', status: 'completed', name, call_id,
      arguments: argsText };
    this.output.push(item);
    this.send('response.output_item.done', { output_index, item });
    return call_id;
  }

  complete({ end = true } = {}) {
    this.send('response.completed',
      { response: this.snapshot({ status: 'completed', usage: kUsage }) });
    if (end) this.res.end();
  }

  fail(code, message) {
    this.send('response.failed', {
      response: this.snapshot({ status: 'failed', error: { code, message } }),
    });
    this.res.end();
  }
}

function defaultReply(res, body, { end = true } = {}) {
  const s = new Stream(res, body);
  s.begin();
  s.reasoning(kReasoningSummaries);
  s.message(kDefaultDeltas);
  s.complete({ end });
  return s;
}

function dropReply(req, res, body) {
  const s = new Stream(res, body);
  s.begin();
  const msg = s.messageStart();
  s.messageDelta(msg, 'Cut ');
  // Let the events reach the client, then drop the connection without ending the body.
  setTimeout(() => req.socket.destroy(), 50);
}

function shellScript(res, body, script, after) {
  const outputs = after.filter((i) => i && i.type === 'function_call_output');
  if (outputs.length > 0) {
    const unknown = outputs.find((o) => !issuedCalls.has(o.call_id));
    if (unknown) {
      return sendError(res, 400,
        `function_call_output for unknown call_id ${JSON.stringify(unknown.call_id)}`);
    }
    const s = new Stream(res, body);
    s.begin();
    s.message(kShellScripts[script].reply);
    return s.complete();
  }
  const s = new Stream(res, body);
  s.begin();
  const { command, timeout_ms } = kShellScripts[script];
  const callId = s.functionCall('shell', { command, workdir: null, timeout_ms });
  issuedCalls.set(callId, script);
  s.complete();
}

function slowReply(res, body) {
  const s = new Stream(res, body);
  s.begin();
  const msg = s.messageStart();
  let n = 0;
  const total = 100;  // 100 x 200 ms = 20 s
  const timer = setInterval(() => {
    if (s.closed) {
      clearInterval(timer);
      return;
    }
    s.messageDelta(msg, `word${n} `);
    if (++n === total) {
      clearInterval(timer);
      s.messageEnd(msg);
      s.complete();
    }
  }, 200);
  res.on('close', () => clearInterval(timer));
}

function handleResponses(req, res, body) {
  if (body.stream !== true) {
    return sendError(res, 400, 'this mock only serves "stream": true requests');
  }
  const { text, after } = lastUserMessage(body.input);
  const script = chooseScript(text);
  const onceKey = `${script}\n${createHash('sha256').update(JSON.stringify(body.input ?? null))
    .digest('hex')}`;
  log(`${req.url} script=${script}`);
  switch (script) {
    case 'FAIL_HTTP_ALWAYS:':
      return sendError(res, 500, 'mock internal error', 'server_error', 'server_error');
    case 'FAIL_HTTP:':
      if (!failedOnce.has(onceKey)) {
        failedOnce.add(onceKey);
        return sendError(res, 500, 'mock internal error', 'server_error', 'server_error');
      }
      return defaultReply(res, body);
    case 'RATE_LIMIT:':
      if (!failedOnce.has(onceKey)) {
        failedOnce.add(onceKey);
        return sendError(res, 429, 'mock rate limit reached', 'rate_limit_error',
          'rate_limit_exceeded', { 'retry-after': '0' });
      }
      return defaultReply(res, body);
    case 'FAIL_STREAM:': {
      const s = new Stream(res, body);
      s.begin();
      const msg = s.messageStart();
      s.messageDelta(msg, 'This will ');
      return s.fail('server_error', 'mock failure');
    }
    case 'STREAM_ERROR:': {
      const s = new Stream(res, body);
      s.begin();
      const msg = s.messageStart();
      s.messageDelta(msg, 'This will ');
      s.send('error', { code: 'server_error', message: 'mock stream error', param: null });
      return res.end();
    }
    case 'RUN_SHELL:':
    case 'DECLINE_ME':
    case 'RUN_SLEEP:':
    case 'RUN_FAIL:':
    case 'RUN_SAFE:':
      return shellScript(res, body, script, after);
    case 'SLOW:':
      return slowReply(res, body);
    case 'DROP:':
      return dropReply(req, res, body);
    case 'DROP_ONCE:':
      if (!failedOnce.has(onceKey)) {
        failedOnce.add(onceKey);
        return dropReply(req, res, body);
      }
      return defaultReply(res, body);
    case 'UNAUTHORIZED:':
      return sendError(res, 401, 'mock: incorrect API key provided', 'invalid_request_error',
        'invalid_api_key');
    case 'RATE_LIMIT_ALWAYS:':
      return sendError(res, 429, 'mock rate limit reached', 'rate_limit_error',
        'rate_limit_exceeded', { 'retry-after-ms': '150' });
    case 'BAD_EVENT:': {
      const s = new Stream(res, body);
      s.begin();
      res.write('event: response.output_text.delta\ndata: {not json\n\n');
      return res.end();
    }
    case 'AFTER_COMPLETED:': {
      const s = defaultReply(res, body, { end: false });
      s.send('response.output_text.delta',
        { item_id: 'msg_after', output_index: 9, content_index: 0, delta: 'late', logprobs: [] });
      return res.end();
    }
    default:
      return defaultReply(res, body);
  }
}

// Parses a control body: a JSON object, or undefined after answering 400.
function controlBody(res, raw) {
  let body;
  try {
    body = raw === '' ? {} : JSON.parse(raw);
  } catch (e) {
    sendError(res, 400, `invalid JSON body: ${e.message}`);
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    sendError(res, 400, 'the body must be a JSON object');
    return undefined;
  }
  return body;
}

function validStatus(status) {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

// Sends a scripted {status, body} reply: a string body as it is, anything else as JSON.
function sendScripted(res, status, body) {
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'application/json',
      'content-length': Buffer.byteLength(body), 'x-request-id': nextId('req') });
    return res.end(body);
  }
  return sendJson(res, status, body);
}

// GET /models, /control/*, /feedback.
function handleExtra(req, res, url, raw) {
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /models':
    case 'GET /v1/models':
      log(`${req.url} models`);
      if (modelsReply === null) return sendJson(res, 200, kDefaultModels);
      return sendScripted(res, modelsReply.status, modelsReply.body);
    case 'POST /control/models': {
      const body = controlBody(res, raw);
      if (body === undefined) return undefined;
      const status = body.status ?? 200;
      if (!validStatus(status)) return sendError(res, 400, 'status: expected 200..599');
      modelsReply = { status, body: body.body === undefined ? kDefaultModels : body.body };
      return sendJson(res, 200, modelsReply);
    }
    case 'POST /control/headers': {
      const body = controlBody(res, raw);
      if (body === undefined) return undefined;
      if (body.reset === true) headerOverrides = {};
      for (const [name, value] of Object.entries(body)) {
        if (name === 'reset') continue;
        if (value !== null && typeof value !== 'string') {
          return sendError(res, 400, `${name}: expected a string or null`);
        }
        headerOverrides[name.toLowerCase()] = value;
      }
      return sendJson(res, 200, rateLimitHeaders());
    }
    case 'POST /feedback': {
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      feedback.push(body);
      log('feedback recorded');
      if (feedbackReply === null) return sendJson(res, 200, { ok: true });
      return sendScripted(res, feedbackReply.status, feedbackReply.body);
    }
    case 'GET /feedback':
      return sendJson(res, 200, feedback);
    case 'POST /control/feedback': {
      const body = controlBody(res, raw);
      if (body === undefined) return undefined;
      const status = body.status ?? 200;
      if (!validStatus(status)) return sendError(res, 400, 'status: expected 200..599');
      const fallback = status < 300 ? { ok: true }
        : { error: { message: 'mock feedback failure', type: 'server_error', param: null,
          code: null } };
      feedbackReply = { status, body: body.body === undefined ? fallback : body.body };
      return sendJson(res, 200, feedbackReply);
    }
    default:
      return sendError(res, 400, `no such endpoint: ${req.method} ${url.pathname}`);
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'GET' && url.pathname === '/requests') {
      const full = url.searchParams.get('full') === '1';
      return sendJson(res, 200, full ? requests : requests.map((r) => r.body));
    }
    if (req.method === 'POST' && url.pathname === '/reset') {
      requests = [];
      failedOnce = new Set();
      issuedCalls.clear();
      headerOverrides = {};
      modelsReply = null;
      feedback = [];
      feedbackReply = null;
      return sendJson(res, 200, {});
    }
    if (url.pathname.startsWith('/control/') || url.pathname === '/feedback' ||
        url.pathname === '/models' || url.pathname === '/v1/models') {
      return handleExtra(req, res, url, raw);
    }
    if (req.method !== 'POST' || (url.pathname !== '/v1/responses' &&
                                  url.pathname !== '/responses')) {
      return sendError(res, 400, `no such endpoint: ${req.method} ${url.pathname}`);
    }
    let body;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      requests.push({ method: req.method, path: url.pathname, url: req.url, headers: req.headers,
        body: raw });
      return sendError(res, 400, `invalid JSON body: ${e.message}`);
    }
    requests.push({ method: req.method, path: url.pathname, url: req.url, headers: req.headers,
        body });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return sendError(res, 400, 'the body must be a JSON object');
    }
    try {
      handleResponses(req, res, body);
    } catch (e) {
      log(`internal error: ${e.stack}`);
      if (!res.headersSent) sendError(res, 500, `mock bug: ${e.message}`, 'server_error');
      else res.destroy();
    }
  });
});

function shutdown(why) {
  log(`exiting (${why})`);
  server.closeAllConnections?.();
  server.close();
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`{"port": ${server.address().port}}\n`);
});
