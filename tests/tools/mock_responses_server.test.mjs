// Tests of the mock Responses-API server (mock_responses_server.mjs): it runs as a child
// process, as the end-to-end tests will run it, and each script is driven with fetch.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import readline from 'node:readline';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'mock_responses_server.mjs');

let child;
let base;

async function startMock(args = []) {
  // MOCK_RESPONSES_DEBUG=1 shows the mock's log (one line per request) on stderr.
  const stderr = process.env.MOCK_RESPONSES_DEBUG ? 'inherit' : 'ignore';
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', stderr] });
  const lines = readline.createInterface({ input: proc.stdout });
  const [line] = await once(lines, 'line');
  return { proc, port: JSON.parse(line).port, line };
}

before(async () => {
  const started = await startMock();
  child = started.proc;
  base = `http://127.0.0.1:${started.port}`;
});

after(() => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
});

beforeEach(async () => {
  const res = await fetch(`${base}/reset`, { method: 'POST' });
  assert.equal(res.status, 200);
});

function userMessage(text) {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

function request(input, extra = {}) {
  return { model: 'gpt-test', instructions: 'be brief', input, tools: [], stream: true, ...extra };
}

function post(body, route = '/v1/responses', signal = undefined) {
  return fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

// Parses a complete text/event-stream body into [{event, data}] and checks the framing.
function parseSse(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    const lines = block.split('\n');
    assert.equal(lines.length, 2, `one event line and one data line: ${block}`);
    assert.ok(lines[0].startsWith('event: '));
    assert.ok(lines[1].startsWith('data: '));
    const event = lines[0].slice('event: '.length);
    const data = JSON.parse(lines[1].slice('data: '.length));
    assert.equal(data.type, event);
    events.push(data);
  }
  events.forEach((e, i) => assert.equal(e.sequence_number, i, 'sequence numbers from 0'));
  return events;
}

// Reads a body to its end or its error; returns what arrived and the error, if any.
async function readAll(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: null };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

async function stream(body, route) {
  const res = await post(body, route);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  checkRateLimitHeaders(res);
  return parseSse(await res.text());
}

function checkRateLimitHeaders(res) {
  const now = Date.now() / 1000;
  assert.equal(res.headers.get('x-codex-primary-used-percent'), '13');
  assert.equal(res.headers.get('x-codex-primary-window-minutes'), '300');
  assert.ok(Number(res.headers.get('x-codex-primary-reset-at')) > now);
  assert.equal(res.headers.get('x-codex-secondary-used-percent'), '40');
  assert.equal(res.headers.get('x-codex-secondary-window-minutes'), '10080');
  assert.ok(Number(res.headers.get('x-codex-secondary-reset-at')) > now);
  assert.equal(res.headers.get('x-codex-credits-has-credits'), 'true');
  assert.equal(res.headers.get('x-codex-credits-unlimited'), 'false');
  assert.equal(res.headers.get('x-codex-credits-balance'), '10');
}

const types = (events) => events.map((e) => e.type);

const kDefaultTypes = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
  'response.output_item.done',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

function checkDefaultReply(events) {
  assert.deepEqual(types(events), kDefaultTypes);
  const reasoning = events[13].item;
  assert.equal(reasoning.type, 'reasoning');
  assert.equal(reasoning.summary.length, 2);
  assert.equal(events[3].summary_index, 0);
  assert.equal(events[8].summary_index, 1);
  const deltas = events.filter((e) => e.type === 'response.output_text.delta');
  assert.equal(deltas.map((d) => d.delta).join(''), 'Hello from the mock model!');
  const msg = events[21].item;
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.equal(msg.content[0].text, 'Hello from the mock model!');
  assert.equal(deltas[0].item_id, msg.id);
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.output.map((o) => o.type), ['reasoning', 'message']);
  assert.deepEqual(done.usage, {
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 20 },
    output_tokens: 30,
    output_tokens_details: { reasoning_tokens: 10 },
    total_tokens: 150,
  });
  assert.equal(events[0].response.id, done.id);
}

test('prints {"port": N} and serves on that port', async () => {
  const { proc, port, line } = await startMock();
  assert.equal(line, `{"port": ${port}}`);
  assert.ok(port > 0);
  proc.kill('SIGTERM');
  const [code] = await once(proc, 'exit');
  assert.equal(code, 0);
});

test('exits when its stdin closes', async () => {
  const { proc } = await startMock();
  proc.stdin.end();
  const [code] = await once(proc, 'exit');
  assert.equal(code, 0);
});

test('--port N listens on N', async () => {
  const probe = await startMock();
  const { port } = probe;
  probe.proc.kill('SIGTERM');
  await once(probe.proc, 'exit');
  const { proc, port: got } = await startMock(['--port', String(port)]);
  assert.equal(got, port);
  proc.kill('SIGTERM');
  await once(proc, 'exit');
});

test('default script: reasoning with two summary parts, then a message in 3 deltas', async () => {
  checkDefaultReply(await stream(request([userMessage('hi')])));
  checkDefaultReply(await stream(request('plain string input'), '/responses'));
});

test('the last user message chooses the script', async () => {
  const events = await stream(request([
    userMessage('RUN_SHELL: earlier'),
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
    userMessage('<environment_context>ctx</environment_context>'),
    userMessage('hello again'),
  ]));
  checkDefaultReply(events);
});

test('RUN_SHELL: a shell call, then a message once the output comes back', async () => {
  const input = [userMessage('RUN_SHELL: make a file')];
  const first = await stream(request(input));
  assert.deepEqual(types(first), [
    'response.created', 'response.in_progress', 'response.output_item.added',
    'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
    'response.function_call_arguments.done', 'response.output_item.done',
    'response.completed',
  ]);
  const call = first[6].item;
  assert.equal(call.type, 'function_call');
  assert.equal(call.name, 'shell');
  assert.ok(call.call_id);
  assert.deepEqual(JSON.parse(call.arguments), {
    command: ['sh', '-c', 'echo hi > out.txt && echo done'], workdir: null, timeout_ms: 10000,
  });
  assert.equal(first[5].arguments, call.arguments);
  assert.equal(first[3].delta + first[4].delta, call.arguments);

  const second = await stream(request([
    ...input,
    { type: 'function_call', name: 'shell', arguments: call.arguments, call_id: call.call_id },
    { type: 'function_call_output', call_id: call.call_id, output: 'done\n' },
  ]));
  const msg = second.find((e) => e.type === 'response.output_item.done').item;
  assert.equal(msg.content[0].text, 'The command ran.');
  assert.equal(second.at(-1).type, 'response.completed');

  const wrong = await post(request([
    ...input, { type: 'function_call_output', call_id: 'call_nobody', output: 'x' },
  ]));
  assert.equal(wrong.status, 400);
  assert.match((await wrong.json()).error.message, /unknown call_id/);
});

test('DECLINE_ME: a harmless shell call, then "Understood, not running it."', async () => {
  const input = [userMessage('DECLINE_ME please')];
  const first = await stream(request(input));
  const call = first.find((e) => e.type === 'response.output_item.done').item;
  assert.equal(call.name, 'shell');
  const args = JSON.parse(call.arguments);
  assert.equal(args.command[0], 'sh');
  assert.equal(args.workdir, null);
  assert.equal(args.timeout_ms, 10000);
  const second = await stream(request([
    ...input,
    { type: 'function_call', name: 'shell', arguments: call.arguments, call_id: call.call_id },
    { type: 'function_call_output', call_id: call.call_id, output: 'declined by the user' },
  ]));
  const msg = second.find((e) => e.type === 'response.output_item.done').item;
  assert.equal(msg.content[0].text, 'Understood, not running it.');
});

test('FAIL_HTTP: 500 once per input, then the default reply; FAIL_HTTP_ALWAYS stays 500',
  async () => {
    const body = request([userMessage('FAIL_HTTP: please')]);
    const failed = await post(body);
    assert.equal(failed.status, 500);
    checkRateLimitHeaders(failed);
    const err = await failed.json();
    assert.equal(err.error.type, 'server_error');
    assert.ok(err.error.message);
    checkDefaultReply(await stream(body));
    // Another input fails once again.
    assert.equal((await post(request([userMessage('FAIL_HTTP: other')]))).status, 500);

    const always = request([userMessage('FAIL_HTTP_ALWAYS: please')]);
    for (let i = 0; i < 3; ++i) {
      const res = await post(always);
      assert.equal(res.status, 500);
      await res.json();
    }
  });

test('RATE_LIMIT: 429 with retry-after: 0 once, then the default reply', async () => {
  const body = request([userMessage('RATE_LIMIT: go')]);
  const limited = await post(body);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '0');
  checkRateLimitHeaders(limited);
  assert.equal((await limited.json()).error.code, 'rate_limit_exceeded');
  checkDefaultReply(await stream(body));
});

test('FAIL_STREAM: response.failed mid-stream', async () => {
  const events = await stream(request([userMessage('FAIL_STREAM: go')]));
  assert.deepEqual(types(events), [
    'response.created', 'response.in_progress', 'response.output_item.added',
    'response.content_part.added', 'response.output_text.delta', 'response.failed',
  ]);
  const failed = events.at(-1).response;
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.error, { code: 'server_error', message: 'mock failure' });
});

test('STREAM_ERROR: an error event mid-stream', async () => {
  const events = await stream(request([userMessage('STREAM_ERROR: go')]));
  assert.equal(events.at(-1).type, 'error');
  assert.equal(events.at(-1).code, 'server_error');
});

test('SLOW: one delta every 200 ms until the client goes away', async () => {
  const abort = new AbortController();
  const res = await post(request([userMessage('SLOW: go')]), '/v1/responses', abort.signal);
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deltaTimes = [];
  while (deltaTimes.length < 4) {
    const { done, value } = await reader.read();
    assert.ok(!done, 'the slow stream ended early');
    const chunk = decoder.decode(value, { stream: true });
    text += chunk;
    const n = (chunk.match(/event: response\.output_text\.delta/g) || []).length;
    for (let i = 0; i < n; ++i) deltaTimes.push(Date.now());
  }
  abort.abort();
  const gaps = deltaTimes.slice(1).map((t, i) => t - deltaTimes[i]);
  for (const gap of gaps) assert.ok(gap >= 100 && gap < 1000, `delta gap ${gap} ms`);
  assert.match(text, /event: response\.created/);
  assert.doesNotMatch(text, /response\.completed/);
});

test('DROP: a few events, then the connection is destroyed', async () => {
  const res = await post(request([userMessage('DROP: go')]));
  assert.equal(res.status, 200);
  const { text, error } = await readAll(res);
  assert.ok(error, 'reading the body fails');
  assert.match(text, /event: response\.created/);
  assert.match(text, /event: response\.output_text\.delta/);
  assert.doesNotMatch(text, /response\.completed/);
});

test('bad requests get 400 with a JSON error', async () => {
  const cases = [
    await post(request([userMessage('hi')], { stream: false })),
    await post({ model: 'm', input: [userMessage('hi')] }),
    await post('{not json'),
    await post('[1, 2]'),
    await post(request([userMessage('hi')]), '/v1/chat/completions'),
    await fetch(`${base}/v1/responses`),
  ];
  for (const res of cases) {
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(typeof (await res.json()).error.message, 'string');
  }
});

test('GET /requests returns every body received; POST /reset clears them', async () => {
  const a = request([userMessage('first')]);
  const b = request([userMessage('FAIL_HTTP_ALWAYS: second')], { model: 'other' });
  await stream(a);
  await (await post(b, '/responses')).json();
  const got = await (await fetch(`${base}/requests`)).json();
  assert.deepEqual(got, [a, b]);
  const full = await (await fetch(`${base}/requests?full=1`)).json();
  assert.deepEqual(full.map((r) => r.path), ['/v1/responses', '/responses']);
  assert.equal(full[0].headers['content-type'], 'application/json');
  await fetch(`${base}/reset`, { method: 'POST' });
  assert.deepEqual(await (await fetch(`${base}/requests`)).json(), []);
});

test('DROP_ONCE: dropped the first time for an input, then the default reply', async () => {
  const body = request([userMessage('DROP_ONCE: go')]);
  const first = await post(body);
  assert.equal(first.status, 200);
  const { text, error } = await readAll(first);
  assert.ok(error, 'reading the first body fails');
  assert.match(text, /event: response\.output_text\.delta/);
  assert.doesNotMatch(text, /response\.completed/);
  checkDefaultReply(await stream(body));
});

test('UNAUTHORIZED: 401 with a JSON error every time', async () => {
  for (let i = 0; i < 2; ++i) {
    const res = await post(request([userMessage('UNAUTHORIZED: go')]));
    assert.equal(res.status, 401);
    checkRateLimitHeaders(res);
    assert.equal((await res.json()).error.code, 'invalid_api_key');
  }
});

test('RATE_LIMIT_ALWAYS: 429 with retry-after-ms: 150 every time', async () => {
  for (let i = 0; i < 2; ++i) {
    const res = await post(request([userMessage('RATE_LIMIT_ALWAYS: go')]));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after-ms'), '150');
    assert.equal((await res.json()).error.code, 'rate_limit_exceeded');
  }
});

test('BAD_EVENT: an event whose data is not JSON', async () => {
  const res = await post(request([userMessage('BAD_EVENT: go')]));
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /event: response\.created/);
  assert.match(text, /data: \{not json\n\n$/);
});

test('AFTER_COMPLETED: one more event after response.completed', async () => {
  const events = await stream(request([userMessage('AFTER_COMPLETED: go')]));
  assert.deepEqual(types(events), [...kDefaultTypes, 'response.output_text.delta']);
  assert.equal(events.at(-1).delta, 'late');
});

test('RUN_SLEEP:, RUN_FAIL:, RUN_SAFE: shell calls with their commands, then their messages',
  async () => {
    const cases = [
      ['RUN_SLEEP: wait', ['sleep', '30'], 60000, 'The sleep ended.'],
      ['RUN_FAIL: break', ['sh', '-c', 'echo oops >&2; exit 3'], 10000, 'The command failed.'],
      ['RUN_SAFE: look', ['echo', 'safe'], 10000, 'The safe command ran.'],
    ];
    for (const [text, command, timeout, reply] of cases) {
      const input = [userMessage(text)];
      const first = await stream(request(input));
      const call = first.find((e) => e.type === 'response.output_item.done').item;
      assert.equal(call.name, 'shell');
      assert.deepEqual(JSON.parse(call.arguments), { command, workdir: null, timeout_ms: timeout });
      const second = await stream(request([
        ...input,
        { type: 'function_call', name: 'shell', arguments: call.arguments, call_id: call.call_id },
        { type: 'function_call_output', call_id: call.call_id, output: 'x' },
      ]));
      const msg = second.find((e) => e.type === 'response.output_item.done').item;
      assert.equal(msg.content[0].text, reply);
    }
  });

function postJson(route, body) {
  return fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const kDefaultModelList = {
  object: 'list',
  data: [
    { id: 'mock-model', object: 'model', created: 0, owned_by: 'spool-tests' },
    { id: 'mock-reasoner-codex', object: 'model', created: 0, owned_by: 'spool-tests' },
  ],
};

test('GET /v1/models and GET /models answer the default OpenAI-shape list', async () => {
  for (const route of ['/v1/models', '/models']) {
    const res = await fetch(`${base}${route}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), kDefaultModelList);
  }
  // Model lists are not Responses requests.
  assert.deepEqual(await (await fetch(`${base}/requests`)).json(), []);
});

test('POST /control/models replaces the list or its status; POST /reset restores it',
  async () => {
    const codex = { models: [{ slug: 'gpt-x', display_name: 'GPT X', visibility: 'list',
      supported_reasoning_levels: [{ effort: 'low', description: 'Quick' }] }] };
    assert.equal((await postJson('/control/models', { body: codex })).status, 200);
    for (const route of ['/v1/models', '/models']) {
      const res = await fetch(`${base}${route}`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), codex);
    }

    await postJson('/control/models', { status: 500 });
    const failed = await fetch(`${base}/v1/models`);
    assert.equal(failed.status, 500);
    assert.deepEqual(await failed.json(), kDefaultModelList);

    await postJson('/control/models', { status: 503, body: { error: { message: 'down' } } });
    const down = await fetch(`${base}/v1/models`);
    assert.equal(down.status, 503);
    assert.equal((await down.json()).error.message, 'down');

    await postJson('/control/models', { body: '{not json' });
    const raw = await fetch(`${base}/models`);
    assert.equal(raw.status, 200);
    assert.equal(await raw.text(), '{not json');

    assert.equal((await postJson('/control/models', { status: 42 })).status, 400);
    assert.equal((await postJson('/control/models', '[1]')).status, 400);
    assert.equal((await postJson('/control/models', '{bad')).status, 400);

    await fetch(`${base}/reset`, { method: 'POST' });
    assert.deepEqual(await (await fetch(`${base}/models`)).json(), kDefaultModelList);
  });

test('POST /control/headers overrides the rate-limit headers of later replies', async () => {
  const set = await postJson('/control/headers', {
    'x-codex-credits-balance': null,
    'x-codex-credits-has-credits': 'false',
    'X-Codex-Credits-Unlimited': 'true',
  });
  assert.equal(set.status, 200);
  const now = await set.json();
  assert.equal(now['x-codex-credits-unlimited'], 'true');
  assert.ok(!('x-codex-credits-balance' in now));

  const check = (res) => {
    assert.equal(res.headers.get('x-codex-credits-balance'), null);
    assert.equal(res.headers.get('x-codex-credits-has-credits'), 'false');
    assert.equal(res.headers.get('x-codex-credits-unlimited'), 'true');
    assert.equal(res.headers.get('x-codex-primary-used-percent'), '13');
  };
  const ok = await post(request([userMessage('hi')]));
  assert.equal(ok.status, 200);
  check(ok);
  checkDefaultReply(parseSse(await ok.text()));
  const failed = await post(request([userMessage('FAIL_HTTP_ALWAYS: x')]));
  assert.equal(failed.status, 500);
  check(failed);
  await failed.json();

  // Overrides accumulate; null removes any header, a string sets it.
  await postJson('/control/headers', { 'x-codex-credits-balance': '42.75',
    'x-codex-secondary-used-percent': null });
  const more = await post(request([userMessage('hi')]));
  assert.equal(more.headers.get('x-codex-credits-balance'), '42.75');
  assert.equal(more.headers.get('x-codex-credits-unlimited'), 'true');
  assert.equal(more.headers.get('x-codex-secondary-used-percent'), null);
  await more.text();

  assert.equal((await postJson('/control/headers', { 'x-a': 3 })).status, 400);

  // {"reset": true} restores the defaults (and may set new overrides at once).
  const reset = await postJson('/control/headers', { reset: true,
    'x-codex-credits-balance': '7' });
  assert.equal((await reset.json())['x-codex-credits-unlimited'], 'false');
  const after = await post(request([userMessage('hi')]));
  assert.equal(after.headers.get('x-codex-credits-balance'), '7');
  assert.equal(after.headers.get('x-codex-credits-unlimited'), 'false');
  await after.text();
  await postJson('/control/headers', { reset: true });
  await stream(request([userMessage('hi')]));  // checks every default header

  // POST /reset restores them too.
  await postJson('/control/headers', { 'x-codex-credits-balance': null });
  await fetch(`${base}/reset`, { method: 'POST' });
  await stream(request([userMessage('hi')]));
});

test('POST /feedback records bodies; GET /feedback lists them; /control/feedback scripts replies',
  async () => {
    const first = await postJson('/feedback', { classification: 'bug', reason: 'first' });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { ok: true });
    await (await postJson('/feedback', { classification: 'good', reason: 'second' })).json();
    await (await postJson('/feedback', 'plain text')).json();
    assert.deepEqual(await (await fetch(`${base}/feedback`)).json(), [
      { classification: 'bug', reason: 'first' },
      { classification: 'good', reason: 'second' },
      'plain text',
    ]);
    // Feedback is not a Responses request.
    assert.deepEqual(await (await fetch(`${base}/requests`)).json(), []);

    assert.equal((await postJson('/control/feedback', { status: 500 })).status, 200);
    const failed = await postJson('/feedback', { reason: 'third' });
    assert.equal(failed.status, 500);
    assert.equal(typeof (await failed.json()).error.message, 'string');
    await postJson('/control/feedback', { status: 202, body: { id: 'fb_1' } });
    const accepted = await postJson('/feedback', { reason: 'fourth' });
    assert.equal(accepted.status, 202);
    assert.deepEqual(await accepted.json(), { id: 'fb_1' });
    assert.equal((await (await fetch(`${base}/feedback`)).json()).length, 5);
    assert.equal((await postJson('/control/feedback', { status: 'x' })).status, 400);

    await fetch(`${base}/reset`, { method: 'POST' });
    assert.deepEqual(await (await fetch(`${base}/feedback`)).json(), []);
    const reset = await postJson('/feedback', { reason: 'after reset' });
    assert.equal(reset.status, 200);
    assert.deepEqual(await reset.json(), { ok: true });
  });

test('unknown control endpoints and methods get 400', async () => {
  for (const res of [
    await postJson('/control/nothing', {}),
    await fetch(`${base}/control/models`),
    await postJson('/models', {}),
    await fetch(`${base}/feedback`, { method: 'PUT', body: '{}' }),
  ]) {
    assert.equal(res.status, 400);
    assert.equal(typeof (await res.json()).error.message, 'string');
  }
});
