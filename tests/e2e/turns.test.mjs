// Live turns against the mock Responses provider (tests/tools/mock_responses_server.mjs):
// turn/start and its notifications, model errors and retries, turn/interrupt, resuming in
// the middle of a turn, and, after every scenario, that thread/resume (on the same
// connection, a new one, and in a new server process on the same database) returns exactly
// the items the client was notified of. Command approvals: turn_approvals.test.mjs.
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eTest, assert, assertError, sleep, FIXTURE, UNKNOWN_ID, UUID_V7_RE,
  startTurn, runTurn, completedItems, deltaText, waitTurnCompleted, turnMessages, seenTurns,
  checkTurnStream, assertSameTurns, stdioThread, unixThread, checkResume,
} from './harness.mjs';

// Notification methods of a turn from its turn/start answer to its turn/completed, runs of
// one delta method collapsed to one entry (how text is cut into deltas is free).
// account/rateLimits/updated is left out: it is account-wide, sent once the snapshot is
// stored and only when it changed, so its place among a turn's notifications is free
// (rate_limits.test.mjs covers it).
function methodSequence(client, turnId, since) {
  const all = client.flat.slice(since);
  const start = all.findIndex((m) => m.result?.turn?.id === turnId);
  const end = all.findIndex((m) => m.method === 'turn/completed' && m.params.turn.id === turnId);
  const out = [];
  for (const m of all.slice(start + 1, end + 1)) {
    if (!m.method || 'id' in m || m.method === 'account/rateLimits/updated') continue;
    if (/Delta$|\/delta$/.test(m.method) && out.at(-1) === m.method) continue;
    out.push(m.method);
  }
  return out;
}

function statusChanges(client, threadId, since) {
  return client.flat.slice(since)
    .filter((m) => m.method === 'thread/status/changed' && m.params.threadId === threadId)
    .map((m) => m.params.status);
}

function errorsOf(client, turnId, since = 0) {
  return client.notifications('error').filter((m) => m.params.turnId === turnId)
    .filter((m) => client.flat.indexOf(m) >= since).map((m) => m.params);
}

// The last user message text of a Responses request body.
function lastUserText(body) {
  const users = body.input.filter((i) => i.role === 'user');
  return users.at(-1).content.map((c) => c.text).join('\n');
}

const DEFAULT_SEQUENCE = [
  'thread/status/changed',
  'turn/started',
  'item/started', 'item/completed', // userMessage
  'item/started', // reasoning
  'item/reasoning/summaryPartAdded', 'item/reasoning/summaryTextDelta',
  'item/reasoning/summaryPartAdded', 'item/reasoning/summaryTextDelta',
  'item/completed',
  'item/started', 'item/agentMessage/delta', 'item/completed', // agentMessage
  'thread/tokenUsage/updated',
  'thread/status/changed',
  'turn/completed',
];

e2eTest('turn/start: the default reply streams as in Codex, and resume returns exactly the notified items', async (h) => {
  const { mock, server, client: c, cwd, thread } = await stdioThread(h);
  const since = c.mark();
  const answer = await c.call('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'Hello mock, please say hi.' }] });
  const turn = answer.turn;
  assert.match(turn.id, UUID_V7_RE);
  assert.equal(turn.status, 'inProgress');
  assert.deepEqual(turn.items, []);
  assert.equal(turn.itemsView, 'notLoaded', 'as Codex: the items come as notifications');
  assert.equal(turn.error, null);
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.equal(done.threadId, thread.id);
  assert.equal(done.turn.status, 'completed');
  assert.equal(done.turn.error, null);
  assert.equal(typeof done.turn.startedAt, 'number');
  assert.ok(done.turn.completedAt >= done.turn.startedAt);
  assert.ok(Number.isInteger(done.turn.durationMs) && done.turn.durationMs >= 0);

  assert.deepEqual(methodSequence(c, turn.id, since), DEFAULT_SEQUENCE);
  checkTurnStream(c, thread.id, turn.id, since);
  assert.deepEqual(statusChanges(c, thread.id, since), [{ type: 'active', activeFlags: [] }, { type: 'idle' }]);
  const started = c.notifications('turn/started').find((m) => m.params.turn.id === turn.id).params;
  assert.equal(started.threadId, thread.id);
  assert.equal(started.turn.status, 'inProgress');

  const items = completedItems(c, turn.id, since);
  assert.deepEqual(items.map((i) => i.type), ['userMessage', 'reasoning', 'agentMessage']);
  assert.equal(items[0].content.length, 1);
  assert.equal(items[0].content[0].type, 'text');
  assert.equal(items[0].content[0].text, 'Hello mock, please say hi.');
  assert.deepEqual(items[1].summary, ['**Thinking it over**\n\nThe user said hello.', '**Answering**\n\nI will greet them back.']);
  assert.equal(items[2].text, 'Hello from the mock model!');
  assert.match(items[2].id, /^msg_mock_\d+$/, 'the agent message keeps the provider item id');
  for (const m of turnMessages(c, turn.id, since).filter((x) => x.method.startsWith('item/'))) {
    assert.equal(m.params.threadId, thread.id);
  }

  const usage = c.notifications('thread/tokenUsage/updated').find((m) => m.params.turnId === turn.id).params;
  assert.equal(usage.threadId, thread.id);
  assert.deepEqual(usage.tokenUsage.last, {
    totalTokens: 150, inputTokens: 120, cachedInputTokens: 20, cacheWriteInputTokens: 0, outputTokens: 30, reasoningOutputTokens: 10,
  });
  assert.deepEqual(usage.tokenUsage.total, usage.tokenUsage.last, 'the first turn: total = last');
  const limits = (await c.waitNotification('account/rateLimits/updated')).params.rateLimits;
  assert.equal(limits.primary.usedPercent, 13);
  assert.equal(limits.primary.windowDurationMins, 300);
  assert.equal(limits.secondary.usedPercent, 40);
  assert.equal(limits.secondary.windowDurationMins, 10080);
  assert.ok(limits.primary.resetsAt > Date.now() / 1000);
  assert.deepEqual(limits.credits, { hasCredits: true, unlimited: false, balance: '10' });

  // What the model was sent.
  const bodies = await mock.requests();
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].model, 'mock-model');
  assert.equal(bodies[0].stream, true);
  assert.equal(lastUserText(bodies[0]), 'Hello mock, please say hi.');
  assert.ok(bodies[0].tools.some((t) => t.name === 'shell'), 'the shell tool is offered');

  // The thread now has a preview and is listed.
  const read = await c.call('thread/read', { threadId: thread.id });
  assert.equal(read.thread.preview, 'Hello mock, please say hi.');
  assert.deepEqual(read.thread.status, { type: 'idle' });
  assert.equal(read.thread.cwd, cwd);
  const list = await c.call('thread/list', { modelProviders: [] });
  assert.ok(list.data.some((t) => t.id === thread.id), 'the thread is listed once it has a user message');

  await checkResume(h, server, c, thread.id);
});

e2eTest('a second turn sends the first turn to the model; token totals add up; resume has both turns', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const first = await runTurn(c, thread.id, 'first question');
  const second = await runTurn(c, thread.id, 'second question');
  assert.equal(first.turn.status, 'completed');
  assert.equal(second.turn.status, 'completed');
  assert.notEqual(first.started.id, second.started.id);
  assert.ok(second.started.id > first.started.id, 'turn ids are UUIDv7s in creation order');
  checkTurnStream(c, thread.id, second.started.id, second.since);

  const bodies = await mock.requests();
  assert.equal(bodies.length, 2);
  const input = bodies[1].input;
  const texts = input.map((i) => (i.content || []).map((x) => x.text).join(''));
  const firstAt = texts.indexOf('first question');
  const answerAt = input.findIndex((i) => i.role === 'assistant' && texts[input.indexOf(i)] === 'Hello from the mock model!');
  const secondAt = texts.indexOf('second question');
  assert.ok(firstAt >= 0 && answerAt > firstAt && secondAt > answerAt,
    `the second request carries the first exchange in order: ${JSON.stringify(input).slice(0, 600)}`);
  assert.equal(lastUserText(bodies[1]), 'second question');

  const usage = c.notifications('thread/tokenUsage/updated').find((m) => m.params.turnId === second.started.id).params.tokenUsage;
  assert.equal(usage.last.totalTokens, 150);
  assert.equal(usage.total.totalTokens, 300);
  assert.equal(usage.total.inputTokens, 240);

  const fresh = await checkResume(h, server, c, thread.id);
  // A turn in the new process continues the same history.
  const third = await runTurn(fresh, thread.id, 'third question');
  assert.equal(third.turn.status, 'completed');
  const last = (await mock.requests()).at(-1);
  const all = JSON.stringify(last.input);
  assert.ok(all.includes('first question') && all.includes('second question'), 'the new process sends the whole history');
  const r = await fresh.call('thread/resume', { threadId: thread.id });
  assert.equal(r.thread.turns.length, 3);
  assertSameTurns(r.thread.turns.slice(2), seenTurns(fresh, thread.id), 'the third turn');
});

e2eTest('turn/start errors: not loaded -32004, unknown thread -32004, empty input -32602, busy thread -32009', async (h) => {
  await h.importCodex();
  const { client: c, thread } = await stdioThread(h);
  const text = [{ type: 'text', text: 'hi' }];
  assertError(await c.callError('turn/start', { threadId: FIXTURE.hello, input: text }), -32004);
  assertError(await c.callError('turn/start', { threadId: UNKNOWN_ID, input: text }), -32004);
  assertError(await c.callError('turn/start', { threadId: thread.id, input: [] }), -32602);
  assertError(await c.callError('turn/start', { threadId: thread.id }), -32602);
  assertError(await c.callError('turn/interrupt', { threadId: thread.id, turnId: UNKNOWN_ID }), -32009);

  // Resumed, the imported thread takes turns.
  await c.call('thread/resume', { threadId: FIXTURE.hello });
  const since = c.mark();
  const slow = await startTurn(c, FIXTURE.hello, 'SLOW: a long story');
  assertError(await c.callError('turn/start', { threadId: FIXTURE.hello, input: text }), -32009);
  assertError(await c.callError('turn/interrupt', { threadId: FIXTURE.hello, turnId: UNKNOWN_ID }), -32009);
  // Another thread is not busy.
  const other = await runTurn(c, thread.id, 'meanwhile');
  assert.equal(other.turn.status, 'completed');
  assert.deepEqual(await c.call('turn/interrupt', { threadId: FIXTURE.hello, turnId: slow.id }), {});
  const done = await waitTurnCompleted(c, slow.id, { since });
  assert.equal(done.turn.status, 'interrupted');
  assertError(await c.callError('turn/interrupt', { threadId: FIXTURE.hello, turnId: slow.id }), -32009);
  // The imported turns come first, then the new one.
  const r = await c.call('thread/resume', { threadId: FIXTURE.hello });
  assert.equal(r.thread.turns.length, 4);
  assertSameTurns(r.thread.turns.slice(3), seenTurns(c, FIXTURE.hello), 'the new turn of the imported thread');
});

e2eTest('FAIL_HTTP: an error with willRetry true, then the normal reply', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const t = await runTurn(c, thread.id, 'FAIL_HTTP: once');
  assert.equal(t.turn.status, 'completed');
  assert.equal(t.turn.error, null);
  const errors = errorsOf(c, t.started.id, t.since);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].willRetry, true);
  assert.equal(errors[0].threadId, thread.id);
  assert.equal(typeof errors[0].error.message, 'string');
  assert.ok(errors[0].error.message.length > 0);
  assert.deepEqual(t.items.map((i) => i.type), ['userMessage', 'reasoning', 'agentMessage']);
  assert.equal(t.items[2].text, 'Hello from the mock model!');
  checkTurnStream(c, thread.id, t.started.id, t.since);
  assert.equal((await mock.requests()).length, 2);
  await checkResume(h, server, c, thread.id);
});

e2eTest('RATE_LIMIT: a 429 is retried like a 500', async (h) => {
  const { server, client: c, thread } = await stdioThread(h);
  const t = await runTurn(c, thread.id, 'RATE_LIMIT: once');
  assert.equal(t.turn.status, 'completed');
  const errors = errorsOf(c, t.started.id, t.since);
  assert.deepEqual(errors.map((e) => e.willRetry), [true]);
  assert.equal(t.items.at(-1).text, 'Hello from the mock model!');
  checkTurnStream(c, thread.id, t.started.id, t.since);
  await checkResume(h, server, c, thread.id);
});

e2eTest('FAIL_HTTP_ALWAYS: retries, then an error with willRetry false and a failed turn; the thread takes turns after', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const t = await runTurn(c, thread.id, 'FAIL_HTTP_ALWAYS: never works');
  assert.equal(t.turn.status, 'failed');
  assert.ok(t.turn.error && typeof t.turn.error.message === 'string' && t.turn.error.message.length > 0,
    `turn.error: ${JSON.stringify(t.turn.error)}`);
  const errors = errorsOf(c, t.started.id, t.since);
  assert.deepEqual(errors.map((e) => e.willRetry), [true, true, false]);
  assert.equal(errors.at(-1).error.message, t.turn.error.message);
  assert.equal((await mock.requests()).length, 3, 'request_max_retries = 2: three attempts');
  assert.deepEqual(t.items.map((i) => i.type), ['userMessage']);
  checkTurnStream(c, thread.id, t.started.id, t.since);
  // The last error comes before turn/completed.
  const all = c.flat.slice(t.since);
  const lastError = all.findIndex((m) => m.method === 'error' && m.params.willRetry === false);
  const completed = all.findIndex((m) => m.method === 'turn/completed');
  assert.ok(lastError >= 0 && lastError < completed);

  const next = await runTurn(c, thread.id, 'and now?');
  assert.equal(next.turn.status, 'completed');
  await checkResume(h, server, c, thread.id);
});

e2eTest('FAIL_STREAM and STREAM_ERROR: an error with willRetry false and a failed turn', async (h) => {
  const { server, client: c, thread } = await stdioThread(h);
  for (const text of ['FAIL_STREAM: fails', 'STREAM_ERROR: errs']) {
    const t = await runTurn(c, thread.id, text);
    assert.equal(t.turn.status, 'failed', `${text}: ${JSON.stringify(t.turn)}`);
    assert.ok(t.turn.error?.message, `${text}: turn.error.message`);
    const errors = errorsOf(c, t.started.id, t.since);
    assert.ok(errors.length >= 1, `${text}: an error notification`);
    assert.equal(errors.at(-1).willRetry, false);
    assert.equal(errors.at(-1).error.message, t.turn.error.message);
    checkTurnStream(c, thread.id, t.started.id, t.since);
    // Whatever was streamed before the failure is completed and kept, as it was notified.
    const msgs = t.items.filter((i) => i.type === 'agentMessage');
    for (const m of msgs) assert.equal(m.text, deltaText(c, m.id, 'item/agentMessage/delta', t.since));
  }
  await checkResume(h, server, c, thread.id);
});

e2eTest('UNAUTHORIZED fails at once; RATE_LIMIT_ALWAYS retries then fails; BAD_EVENT fails; AFTER_COMPLETED ignores the late event', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const cases = [
    ['UNAUTHORIZED: key?', 'failed', [false], 1, 'unauthorized'],
    ['RATE_LIMIT_ALWAYS: busy', 'failed', [true, true, false], 3, 'usageLimitExceeded'],
    ['BAD_EVENT: garbled', 'failed', [false], 1, null],
    ['AFTER_COMPLETED: late', 'completed', [], 1, null],
  ];
  for (const [text, status, retries, attempts, info] of cases) {
    const before = (await mock.requests()).length;
    const t = await runTurn(c, thread.id, text);
    assert.equal(t.turn.status, status, text);
    assert.deepEqual(errorsOf(c, t.started.id, t.since).map((e) => e.willRetry), retries, text);
    assert.equal((await mock.requests()).length - before, attempts, `${text}: attempts`);
    if (status === 'failed') {
      assert.ok(t.turn.error?.message, `${text}: turn.error`);
      if (info) assert.equal(t.turn.error.codexErrorInfo, info, text);
      assert.deepEqual(t.items.map((i) => i.type), ['userMessage'], text);
    } else {
      assert.equal(t.items.at(-1).text, 'Hello from the mock model!', 'nothing of the event after response.completed');
    }
    checkTurnStream(c, thread.id, t.started.id, t.since);
  }
  await checkResume(h, server, c, thread.id);
});

e2eTest('DROP_ONCE: a dropped stream is retried and the reply completes; DROP: retries, then failed', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const once = await runTurn(c, thread.id, 'DROP_ONCE: flaky');
  assert.equal(once.turn.status, 'completed');
  assert.deepEqual(errorsOf(c, once.started.id, once.since).map((e) => e.willRetry), [true]);
  checkTurnStream(c, thread.id, once.started.id, once.since);
  const agent = once.items.filter((i) => i.type === 'agentMessage');
  assert.equal(agent.at(-1).text, 'Hello from the mock model!');
  const bodies = await mock.requests();
  assert.equal(bodies.length, 2);
  assert.deepEqual(bodies[1].input, bodies[0].input, 'the retry sends the same input (nothing of the dropped stream)');

  const always = await runTurn(c, thread.id, 'DROP: always');
  assert.equal(always.turn.status, 'failed');
  assert.deepEqual(errorsOf(c, always.started.id, always.since).map((e) => e.willRetry), [true, true, false]);
  assert.equal((await mock.requests()).length, 5, 'stream_max_retries = 2: three attempts');
  checkTurnStream(c, thread.id, always.started.id, always.since);
  await checkResume(h, server, c, thread.id);
});

e2eTest('turn/interrupt during SLOW streaming: {} then turn/completed interrupted, with the text so far', async (h) => {
  const { server, client: c, thread } = await stdioThread(h);
  const since = c.mark();
  const t = await startTurn(c, thread.id, 'SLOW: tell me a long story');
  await c.waitFor(() => c.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id).length >= 3,
    5000, 'three deltas');
  const before = c.mark();
  const r = await c.request('turn/interrupt', { threadId: thread.id, turnId: t.id });
  assert.deepEqual(r.result, {});
  const done = await waitTurnCompleted(c, t.id, { since, timeout: 5000 });
  assert.equal(done.turn.status, 'interrupted');
  // The answer comes before turn/completed.
  const answerAt = c.flat.indexOf(r);
  const completedAt = c.flat.findIndex((m) => m.method === 'turn/completed' && m.params.turn.id === t.id);
  assert.ok(answerAt >= before && answerAt < completedAt, 'turn/interrupt is answered before turn/completed');
  checkTurnStream(c, thread.id, t.id, since);
  const items = completedItems(c, t.id, since);
  assert.equal(items[0].type, 'userMessage');
  const agent = items.find((i) => i.type === 'agentMessage');
  assert.ok(agent, 'the message streamed so far is completed');
  assert.match(agent.text, /^word0 word1 word2 /);
  assert.deepEqual(statusChanges(c, thread.id, since).at(-1), { type: 'idle' });
  // No more deltas after turn/completed.
  await c.expectNone((m) => m.method === 'item/agentMessage/delta' && m.params.turnId === t.id, 500, completedAt + 1, 'delta after turn/completed');
  // The thread takes the next turn.
  const next = await runTurn(c, thread.id, 'are you there?');
  assert.equal(next.turn.status, 'completed');
  await checkResume(h, server, c, thread.id);
});

e2eTest('turn/interrupt during a running command (RUN_SLEEP:): the command is stopped and the turn interrupted', async (h) => {
  const { server, client: c, thread } = await stdioThread(h);
  const since = c.mark();
  const t = await startTurn(c, thread.id, 'RUN_SLEEP: wait a while');
  const cmd = await c.waitNotification('item/started', (p) => p.turnId === t.id && p.item.type === 'commandExecution', { since });
  assert.match(cmd.params.item.command, /sleep 30/);
  assert.equal(c.serverRequests().length, 0, 'on-request in workspace-write runs without asking');
  // Wait until the sleep runs under the server.
  const sleeping = () => descendants(server.proc.pid).filter((p) => /(^|\/)sleep 30/.test(p.cmd));
  await c.waitFor(() => sleeping().length > 0 || c.flat.length > 1e9, 3000, 'the sleep process').catch(() => {});
  assert.ok(sleeping().length > 0, 'sleep 30 runs as a descendant of the server');
  const t0 = Date.now();
  assert.deepEqual(await c.call('turn/interrupt', { threadId: thread.id, turnId: t.id }), {});
  const done = await waitTurnCompleted(c, t.id, { since, timeout: 5000 });
  assert.ok(Date.now() - t0 < 4000, 'the interrupt does not wait for the command');
  assert.equal(done.turn.status, 'interrupted');
  checkTurnStream(c, thread.id, t.id, since);
  const item = completedItems(c, t.id, since).find((i) => i.type === 'commandExecution');
  assert.ok(item, 'the command item is completed');
  assert.notEqual(item.status, 'inProgress');
  assert.notEqual(item.status, 'completed', `an interrupted command is not "completed": ${JSON.stringify(item)}`);
  for (let i = 0; i < 20 && sleeping().length > 0; i++) await sleep(100);
  assert.deepEqual(sleeping(), [], 'the sleep process is gone');
  await checkResume(h, server, c, thread.id);
});

e2eTest('resume in the middle of a turn: the turn so far, then the rest of the deltas, ending with the same text', async (h) => {
  const { server, a, thread } = await unixThread(h);
  const sinceA = a.mark();
  const t = await startTurn(a, thread.id, 'SLOW: a story for two');
  const deltasA = () => a.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id);
  await a.waitFor(() => deltasA().length >= 3, 5000, 'three deltas on A');

  const b = await server.connect('B');
  await b.initialize();
  const sinceB = b.mark();
  const resumed = await b.call('thread/resume', { threadId: thread.id });
  const answerAt = b.flat.findIndex((m, i) => i >= sinceB && m.result?.thread);
  assert.deepEqual(resumed.thread.status, { type: 'active', activeFlags: [] });
  const live = resumed.thread.turns.at(-1);
  assert.equal(live.id, t.id);
  assert.equal(live.status, 'inProgress');
  assert.deepEqual(live.items.map((i) => i.type), ['userMessage', 'agentMessage']);
  assert.deepEqual(live.items[0], completedItems(a, t.id, sinceA)[0], 'the completed user message as A saw it');
  const snapshotText = live.items[1].text;
  assert.match(snapshotText, /^word0 word1 word2 /);
  // B's deltas all come after the resume answer.
  assert.deepEqual(b.flat.slice(sinceB, answerAt).filter((m) => m.method === 'item/agentMessage/delta'), []);
  const deltasB = () => b.flat.slice(answerAt).filter((m) => m.method === 'item/agentMessage/delta' && m.params.turnId === t.id);
  await b.waitFor(() => deltasB().length >= 3, 5000, 'three deltas on B');

  // B can also read the live turn.
  const read = await b.call('thread/read', { threadId: thread.id, includeTurns: true });
  assert.equal(read.thread.turns.at(-1).status, 'inProgress');
  assert.deepEqual(read.thread.status, { type: 'active', activeFlags: [] });

  assert.deepEqual(await b.call('turn/interrupt', { threadId: thread.id, turnId: t.id }), {}, 'any subscriber may interrupt');
  const doneA = await waitTurnCompleted(a, t.id, { since: sinceA, timeout: 5000 });
  const doneB = await waitTurnCompleted(b, t.id, { since: answerAt, timeout: 5000 });
  assert.equal(doneA.turn.status, 'interrupted');
  assert.deepEqual(doneB.turn, doneA.turn, 'both clients get the same turn/completed');

  const fullA = deltaText(a, live.items[1].id, 'item/agentMessage/delta', sinceA);
  const restB = deltasB().map((m) => m.params.delta).join('');
  assert.equal(snapshotText + restB, fullA, 'snapshot + B\'s deltas = A\'s deltas, nothing lost or repeated');
  const finalA = completedItems(a, t.id, sinceA).find((i) => i.type === 'agentMessage');
  const finalB = completedItems(b, t.id, answerAt).find((i) => i.type === 'agentMessage');
  assert.equal(finalA.text, fullA);
  assert.deepEqual(finalB, finalA);
  checkTurnStream(a, thread.id, t.id, sinceA);
  await checkResume(h, server, a, thread.id);
});

e2eTest('resume while a command runs: the command item in progress, then its completion', async (h) => {
  const { server, a, thread } = await unixThread(h);
  const sinceA = a.mark();
  const t = await startTurn(a, thread.id, 'RUN_SLEEP: while resuming');
  const started = await a.waitNotification('item/started', (p) => p.turnId === t.id && p.item.type === 'commandExecution', { since: sinceA });
  const b = await server.connect('B');
  await b.initialize();
  const sinceB = b.mark();
  const r = await b.call('thread/resume', { threadId: thread.id });
  const live = r.thread.turns.at(-1);
  assert.equal(live.status, 'inProgress');
  assert.deepEqual(live.items.map((i) => i.type), ['userMessage', 'commandExecution']);
  assert.deepEqual(live.items[1], started.params.item, 'the command as item/started gave it');
  await b.call('turn/interrupt', { threadId: thread.id, turnId: t.id });
  const doneA = await waitTurnCompleted(a, t.id, { since: sinceA });
  const doneB = await waitTurnCompleted(b, t.id, { since: sinceB });
  assert.equal(doneA.turn.status, 'interrupted');
  assert.deepEqual(doneB.turn, doneA.turn);
  assert.deepEqual(completedItems(b, t.id, sinceB), completedItems(a, t.id, sinceA).slice(1));
  checkTurnStream(a, thread.id, t.id, sinceA);
  await checkResume(h, server, a, thread.id);
});

e2eTest('a subscriber gets the same turn notifications as the client that started the turn', async (h) => {
  const { server, a, thread } = await unixThread(h);
  const b = await server.connect('B');
  await b.initialize();
  await b.call('thread/resume', { threadId: thread.id });
  const c = await server.connect('C'); // initialized, not subscribed
  await c.initialize();
  const sinceB = b.mark();
  const sinceC = c.mark();
  const t = await runTurn(a, thread.id, 'hello both');
  await waitTurnCompleted(b, t.started.id, { since: sinceB });
  const strip = (m) => ({ method: m.method, params: m.params });
  const forThread = (client, since) => client.flat.slice(since)
    .filter((m) => m.method && !('id' in m) && m.params?.threadId === thread.id)
    .map(strip);
  const seenA = forThread(a, t.since);
  assert.deepEqual(forThread(b, sinceB), seenA, 'B saw what A saw, in the same order');
  await c.expectNone((m) => m.params?.threadId === thread.id && m.method !== 'thread/started', 200, sinceC, 'turn notification to a non-subscriber');
  await checkResume(h, server, b, thread.id);
});

e2eTest('turn/start overrides (model, cwd) are used for the turn and kept for later turns', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const cwd2 = h.tmpdir('cwd2');
  const t1 = await runTurn(c, thread.id, 'RUN_SAFE: where am I', { model: 'other-mock-model', cwd: cwd2 });
  assert.equal(t1.turn.status, 'completed');
  const cmd = t1.items.find((i) => i.type === 'commandExecution');
  assert.equal(cmd.cwd, cwd2);
  assert.equal(cmd.status, 'completed');
  assert.equal(cmd.exitCode, 0);
  assert.equal(cmd.aggregatedOutput, 'safe\n');
  const t2 = await runTurn(c, thread.id, 'again');
  assert.equal(t2.turn.status, 'completed');
  const bodies = await mock.requests();
  assert.deepEqual(bodies.map((b) => b.model), ['other-mock-model', 'other-mock-model', 'other-mock-model']);
  assertError(await c.callError('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'x' }], cwd: 'relative/dir' }), -32602);
  const r = await c.call('thread/resume', { threadId: thread.id });
  assert.equal(r.model, 'other-mock-model');
  assert.equal(r.cwd, cwd2);
  await checkResume(h, server, c, thread.id);
});

// A server that dies mid-turn leaves a turn that never completed: a new process shows it
// interrupted (nothing runs it any more), and it stays interrupted when later turns come
// (Spool records the interruption when the next turn starts).
e2eTest('a turn cut short by a server crash is interrupted in a new process, and stays so after later turns', async (h) => {
  const { server, client: c, thread } = await stdioThread(h);
  const since = c.mark();
  const t = await startTurn(c, thread.id, 'SLOW: cut short');
  await c.waitFor(() => c.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id).length >= 2,
    5000, 'two deltas');
  server.kill('SIGKILL');
  await server.waitExit();
  const { client: d } = await h.initializedStdio();
  const r1 = await d.call('thread/resume', { threadId: thread.id });
  assert.deepEqual(r1.thread.status, { type: 'idle' });
  assert.equal(r1.thread.turns.length, 1);
  const cut = r1.thread.turns[0];
  assert.equal(cut.id, t.id);
  assert.equal(cut.status, 'interrupted', `the crashed turn: ${JSON.stringify(cut).slice(0, 400)}`);
  assert.deepEqual(cut.items[0], completedItems(c, t.id, since)[0], 'the user message as notified');
  const next = await runTurn(d, thread.id, 'after the crash');
  assert.equal(next.turn.status, 'completed');
  const r2 = await d.call('thread/read', { threadId: thread.id, includeTurns: true });
  assert.equal(r2.thread.turns.length, 2);
  // The next turn/start records the interruption (turn_aborted), which gives the turn its
  // end time; everything else reads the same.
  const { completedAt, durationMs, ...rest } = r2.thread.turns[0];
  assert.equal(typeof completedAt, 'number');
  assert.equal(typeof durationMs, 'number');
  const { completedAt: _c, durationMs: _d, ...cutRest } = cut;
  assert.deepEqual(rest, cutRest, 'the crashed turn reads the same after a later turn');
  assertSameTurns(r2.thread.turns.slice(1), seenTurns(d, thread.id), 'the turn after the crash');
});

e2eTest('thread/turns/list during a turn shows it in progress, with the text so far, as thread/read does', async (h) => {
  const { client: c, thread } = await stdioThread(h);
  await runTurn(c, thread.id, 'first');
  const since = c.mark();
  const t = await startTurn(c, thread.id, 'SLOW: list me');
  await c.waitFor(() => c.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id).length >= 2,
    5000, 'two deltas');
  try {
    const listed = await c.call('thread/turns/list', { threadId: thread.id, itemsView: 'full', sortDirection: 'asc' });
    const live = listed.data.at(-1);
    assert.equal(live.id, t.id);
    assert.equal(live.status, 'inProgress');
    assert.equal(live.completedAt, null);
    const text = live.items.find((i) => i.type === 'agentMessage')?.text ?? '';
    assert.ok(text.length > 0 && deltaText(c, live.items[1].id, 'item/agentMessage/delta', since).startsWith(text),
      `the text so far: ${JSON.stringify(text)}`);
  } finally {
    await c.call('turn/interrupt', { threadId: thread.id, turnId: t.id });
    await waitTurnCompleted(c, t.id, { since });
  }
});

// When a thread unloads under a running turn (its last subscriber unsubscribes or goes away,
// or the server shuts down), the turn ends interrupted, stored with the text streamed so far.
for (const how of ['thread/unsubscribe', 'disconnect', 'SIGTERM']) {
  e2eTest(`a turn whose thread unloads (${how}) is stored interrupted with the text streamed so far`, async (h) => {
    const { server, a, thread } = await unixThread(h);
    const since = a.mark();
    const t = await startTurn(a, thread.id, 'SLOW: until it unloads');
    await a.waitFor(() => a.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id).length >= 2,
      5000, 'two deltas');
    if (how === 'thread/unsubscribe') {
      assert.deepEqual(await a.call('thread/unsubscribe', { threadId: thread.id }), { status: 'unsubscribed' });
    } else if (how === 'disconnect') {
      a.close();
    } else {
      server.kill('SIGTERM');
      assert.deepEqual(await server.waitExit(5000), { code: 0, signal: null });
    }
    let last;
    if (how !== 'SIGTERM') {
      const b = await server.connect('B');
      await b.initialize();
      for (let i = 0; i < 50; i++) {
        last = (await b.call('thread/read', { threadId: thread.id, includeTurns: true })).thread.turns.at(-1);
        // (Right after the unload, a read may show the turn interrupted but without its
        // completion time yet: wait for the stored end of the turn.)
        if (last.status !== 'inProgress' && last.completedAt != null) break;
        await sleep(100);
      }
      assert.notEqual((await b.call('thread/read', { threadId: thread.id })).thread.status.type, 'active');
      server.kill('SIGKILL');
      await server.waitExit();
    }
    const { client: d } = await h.initializedStdio();
    const stored = (await d.call('thread/resume', { threadId: thread.id })).thread.turns.at(-1);
    if (last) assert.deepEqual(stored, last, 'the new process reads what the old one did');
    assert.equal(stored.id, t.id);
    assert.equal(stored.status, 'interrupted');
    assert.deepEqual(stored.items[0], completedItems(a, t.id, since)[0], 'the user message as notified');
    assert.equal(stored.items.length, 2);
    const agent = stored.items[1];
    assert.equal(agent.type, 'agentMessage');
    const seen = deltaText(a, agent.id, 'item/agentMessage/delta', since);
    assert.ok(seen.length > 0 && agent.text.startsWith(seen),
      `stored text ${JSON.stringify(agent.text)} continues what A saw ${JSON.stringify(seen)}`);
    assert.equal(typeof agent.completedAtMs, 'number', 'the stored message is completed');
  });
}

// thread/archive of a thread with a running turn: either refused (as thread/delete is) or the
// turn ends and its subscribers see it end (turn/completed) before the thread unloads, with
// the items it is stored with.
e2eTest('thread/archive during a turn: refused, or the turn ends with turn/completed and the stored items', async (h) => {
  const { client: c, thread } = await stdioThread(h);
  const since = c.mark();
  const t = await startTurn(c, thread.id, 'SLOW: then archive');
  await c.waitFor(() => c.notifications('item/agentMessage/delta').filter((m) => m.params.turnId === t.id).length >= 2,
    5000, 'two deltas');
  const r = await c.request('thread/archive', { threadId: thread.id });
  if (r.error) {
    assertError(r.error, -32009);
    await c.call('turn/interrupt', { threadId: thread.id, turnId: t.id });
    await waitTurnCompleted(c, t.id, { since });
    return;
  }
  const done = await waitTurnCompleted(c, t.id, { since, timeout: 3000 });
  assert.equal(done.turn.status, 'interrupted');
  checkTurnStream(c, thread.id, t.id, since);
  await c.call('thread/unarchive', { threadId: thread.id });
  const resumed = await c.call('thread/resume', { threadId: thread.id });
  assertSameTurns(resumed.thread.turns, seenTurns(c, thread.id), 'resume after archive and unarchive');
});

// Descendant processes of `pid` (Linux /proc): [{pid, cmd}].
function descendants(pid) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(path.join('/proc', name, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(path.join('/proc', name, 'cmdline'), 'utf8').split('\0').filter(Boolean).join(' ');
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push({ pid: Number(name), cmd });
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) || []) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}
