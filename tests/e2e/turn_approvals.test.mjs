// Command approvals in live turns: item/commandExecution/requestApproval and its answers
// (accept, acceptForSession, decline, cancel), which approval policy and sandbox ask, refuse
// or run, a client going away while asked, turn/interrupt while asked, resuming while asked;
// and after every scenario, thread/resume returns exactly the notified items.
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eTest, assert, sleep, startTurn, runTurn, completedItems, deltaText, waitTurnCompleted,
  seenTurns, checkTurnStream, assertSameTurns, stdioThread, unixThread, checkResume,
} from './harness.mjs';

const APPROVAL = 'item/commandExecution/requestApproval';
const RUN_SHELL_COMMAND = "sh -c 'echo hi > out.txt && echo done'";

// Starts a turn and waits for its approval request. Returns {turn, since, req, item} (item:
// the commandExecution item of item/started).
async function askedTurn(client, threadId, text, extra = {}) {
  const since = client.mark();
  const turn = await startTurn(client, threadId, text, extra);
  const req = await client.waitServerRequest(APPROVAL, (p) => p.turnId === turn.id, { since });
  const started = client.flat.slice(since).find((m) => m.method === 'item/started'
    && m.params.turnId === turn.id && m.params.item.type === 'commandExecution');
  assert.ok(started, 'item/started for the command comes before the approval request');
  return { turn, since, req, item: started.params.item };
}

function statusChanges(client, threadId, since) {
  return client.flat.slice(since)
    .filter((m) => m.method === 'thread/status/changed' && m.params.threadId === threadId)
    .map((m) => m.params.status);
}

function commandItems(client, turnId, since) {
  return completedItems(client, turnId, since).filter((i) => i.type === 'commandExecution');
}

// The function_call_output the model got for `callId` (in the mock's last request).
async function outputSentToModel(mock, callId) {
  const bodies = await mock.requests();
  for (const body of bodies.slice().reverse()) {
    const out = body.input.find((i) => i.type === 'function_call_output' && i.call_id === callId);
    if (out) return typeof out.output === 'string' ? out.output : JSON.stringify(out.output);
  }
  return undefined;
}

const UNTRUSTED = { threadParams: { approvalPolicy: 'untrusted' } };

e2eTest('untrusted: RUN_SHELL asks; accept runs it, and the model gets its output', async (h) => {
  const { mock, server, client: c, cwd, thread } = await stdioThread(h, UNTRUSTED);
  const { turn, since, req, item } = await askedTurn(c, thread.id, 'RUN_SHELL: write hi to a file');
  // The command item as started.
  assert.equal(item.status, 'inProgress');
  assert.equal(item.command, RUN_SHELL_COMMAND);
  assert.equal(item.cwd, cwd);
  assert.equal(item.exitCode, null);
  assert.equal(item.aggregatedOutput, null);
  // The request.
  assert.ok(Number.isInteger(req.id), `request id ${JSON.stringify(req.id)} is an integer`);
  const p = req.params;
  assert.equal(p.threadId, thread.id);
  assert.equal(p.turnId, turn.id);
  assert.equal(p.itemId, item.id);
  assert.equal(p.command, RUN_SHELL_COMMAND);
  assert.equal(p.cwd, cwd);
  assert.equal(typeof p.reason, 'string');
  assert.ok(p.reason.length > 0);
  assert.ok(p.startedAtMs >= item.startedAtMs, 'the approval is asked after the item started');
  assert.equal(p.kind ?? 'command', 'command');
  assert.deepEqual(statusChanges(c, thread.id, since), [
    { type: 'active', activeFlags: [] }, { type: 'active', activeFlags: ['waitingOnApproval'] },
  ], 'waitingOnApproval before the request');
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')), 'nothing runs before the answer');
  await c.expectNone((m) => m.method === 'item/completed' && m.params.item.id === item.id, 200, since, 'command completion before the answer');

  const answered = c.mark();
  await c.respond(req.id, { decision: 'accept' });
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.equal(done.turn.status, 'completed');
  // After the answer: serverRequest/resolved, active again, output, completion.
  const after = c.flat.slice(answered).filter((m) => m.method && !('id' in m));
  const resolvedAt = after.findIndex((m) => m.method === 'serverRequest/resolved');
  assert.ok(resolvedAt >= 0, 'serverRequest/resolved');
  assert.deepEqual(after[resolvedAt].params, { threadId: thread.id, requestId: req.id });
  const activeAt = after.findIndex((m) => m.method === 'thread/status/changed');
  assert.deepEqual(after[activeAt].params.status, { type: 'active', activeFlags: [] });
  assert.ok(resolvedAt < activeAt, 'resolved, then active without waitingOnApproval');
  const outputAt = after.findIndex((m) => m.method === 'item/commandExecution/outputDelta');
  const completedAt = after.findIndex((m) => m.method === 'item/completed' && m.params.item.id === item.id);
  assert.ok(activeAt < outputAt && outputAt < completedAt, 'output, then the command completes');
  assert.equal(deltaText(c, item.id, 'item/commandExecution/outputDelta', since), 'done\n');

  const [cmd] = commandItems(c, turn.id, since);
  assert.equal(cmd.id, item.id);
  assert.equal(cmd.status, 'completed');
  assert.equal(cmd.exitCode, 0);
  assert.equal(cmd.aggregatedOutput, 'done\n');
  assert.ok(Number.isInteger(cmd.durationMs) && cmd.durationMs >= 0);
  assert.equal(cmd.command, RUN_SHELL_COMMAND);
  assert.equal(cmd.startedAtMs, item.startedAtMs);
  assert.equal(fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8'), 'hi\n');
  const items = completedItems(c, turn.id, since);
  assert.deepEqual(items.map((i) => i.type), ['userMessage', 'commandExecution', 'agentMessage']);
  assert.equal(items[2].text, 'The command ran.');
  assert.match(await outputSentToModel(mock, item.id), /done/);
  checkTurnStream(c, thread.id, turn.id, since);
  assert.deepEqual(statusChanges(c, thread.id, since).at(-1), { type: 'idle' });
  await checkResume(h, server, c, thread.id);
});

e2eTest('decline: the command does not run, its item is declined, and the model continues', async (h) => {
  const { mock, server, client: c, cwd, thread } = await stdioThread(h, UNTRUSTED);
  const { turn, since, req, item } = await askedTurn(c, thread.id, 'RUN_SHELL: please');
  await c.respond(req.id, { decision: 'decline' });
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.equal(done.turn.status, 'completed');
  const resolved = await c.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since });
  assert.equal(resolved.params.threadId, thread.id);
  const [cmd] = commandItems(c, turn.id, since);
  assert.equal(cmd.id, item.id);
  assert.equal(cmd.status, 'declined');
  // As Codex: a declined command has no exit code, output or duration.
  assert.equal(cmd.exitCode, null);
  assert.equal(cmd.aggregatedOutput, null);
  assert.equal(cmd.durationMs, null);
  assert.equal(deltaText(c, item.id, 'item/commandExecution/outputDelta', since), '');
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')), 'the declined command did not run');
  const items = completedItems(c, turn.id, since);
  assert.equal(items.at(-1).type, 'agentMessage');
  assert.equal(items.at(-1).text, 'The command ran.', 'the mock answers once it has the output');
  const sent = await outputSentToModel(mock, item.id);
  assert.ok(sent !== undefined, 'the model is told about the declined call');
  assert.match(sent, /declin|reject|denied|not approved|did not approve/i);
  checkTurnStream(c, thread.id, turn.id, since);
  await checkResume(h, server, c, thread.id);
});

e2eTest('cancel: the command does not run and the turn ends interrupted', async (h) => {
  const { mock, server, client: c, cwd, thread } = await stdioThread(h, UNTRUSTED);
  const { turn, since, req } = await askedTurn(c, thread.id, 'RUN_SHELL: please');
  await c.respond(req.id, { decision: 'cancel' });
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.equal(done.turn.status, 'interrupted');
  await c.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since });
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  const [cmd] = commandItems(c, turn.id, since);
  assert.ok(cmd, 'the command item is completed');
  assert.notEqual(cmd.status, 'completed');
  assert.equal((await mock.requests()).length, 1, 'the model is not asked again');
  checkTurnStream(c, thread.id, turn.id, since);
  // The thread takes the next turn.
  const next = await runTurn(c, thread.id, 'never mind');
  assert.equal(next.turn.status, 'completed');
  await checkResume(h, server, c, thread.id);
});

e2eTest('acceptForSession: the same command runs without asking in later turns; plain accept asks again', async (h) => {
  const { server, client: c, thread } = await stdioThread(h, UNTRUSTED);
  // accept: asked again next time.
  let a = await askedTurn(c, thread.id, 'RUN_SHELL: one');
  await c.respond(a.req.id, { decision: 'accept' });
  await waitTurnCompleted(c, a.turn.id, { since: a.since });
  a = await askedTurn(c, thread.id, 'RUN_SHELL: two');
  await c.respond(a.req.id, { decision: 'acceptForSession' });
  assert.equal((await waitTurnCompleted(c, a.turn.id, { since: a.since })).turn.status, 'completed');
  // Now it runs without a request.
  const third = await runTurn(c, thread.id, 'RUN_SHELL: three');
  assert.equal(third.turn.status, 'completed');
  assert.equal(c.serverRequests(APPROVAL).filter((r) => r.params.turnId === third.started.id).length, 0);
  const [cmd] = commandItems(c, third.started.id, third.since);
  assert.equal(cmd.status, 'completed');
  assert.equal(cmd.exitCode, 0);
  assert.equal(statusChanges(c, thread.id, third.since).filter((s) => s.activeFlags?.includes('waitingOnApproval')).length, 0);
  checkTurnStream(c, thread.id, third.started.id, third.since);
  // Another thread still asks.
  const { thread: other } = await c.call('thread/start', { cwd: h.tmpdir('cwd'), approvalPolicy: 'untrusted' });
  const o = await askedTurn(c, other.id, 'RUN_SHELL: elsewhere');
  await c.respond(o.req.id, { decision: 'decline' });
  await waitTurnCompleted(c, o.turn.id, { since: o.since });
  await checkResume(h, server, c, thread.id);
});

e2eTest('accept with acceptSettings.forSession counts as acceptForSession', async (h) => {
  const { server, client: c, thread } = await stdioThread(h, UNTRUSTED);
  const a = await askedTurn(c, thread.id, 'RUN_SHELL: one');
  await c.respond(a.req.id, { decision: 'accept', acceptSettings: { forSession: true } });
  assert.equal((await waitTurnCompleted(c, a.turn.id, { since: a.since })).turn.status, 'completed');
  const next = await runTurn(c, thread.id, 'RUN_SHELL: two');
  assert.equal(c.serverRequests(APPROVAL).filter((r) => r.params.turnId === next.started.id).length, 0);
  assert.equal(commandItems(c, next.started.id, next.since)[0].status, 'completed');
  await checkResume(h, server, c, thread.id);
});

e2eTest('policies: on-request runs in workspace-write, asks in read-only; never runs in full access, refuses in read-only; untrusted runs known-safe commands', async (h) => {
  const { server, client: c } = await stdioThread(h);
  const runs = async (params, text, what) => {
    const cwd = h.tmpdir('cwd');
    const { thread } = await c.call('thread/start', { cwd, ...params });
    const t = await runTurn(c, thread.id, text);
    assert.equal(c.serverRequests(APPROVAL).filter((r) => r.params.turnId === t.started.id).length, 0, `${what}: no request`);
    assert.equal(t.turn.status, 'completed', what);
    checkTurnStream(c, thread.id, t.started.id, t.since);
    return { thread, cwd, t, cmd: commandItems(c, t.started.id, t.since)[0] };
  };
  const withTurns = [];
  {
    const { thread, cwd, cmd } = await runs({ approvalPolicy: 'on-request', sandbox: 'workspace-write' }, 'RUN_SHELL: go', 'on-request');
    assert.equal(cmd.status, 'completed');
    assert.equal(fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8'), 'hi\n');
    withTurns.push(thread.id);
  }
  {
    const { cwd, cmd } = await runs({ approvalPolicy: 'never', sandbox: 'danger-full-access' }, 'RUN_SHELL: go', 'never, full access');
    assert.equal(cmd.status, 'completed');
    assert.ok(fs.existsSync(path.join(cwd, 'out.txt')));
  }
  {
    const { thread, cwd, cmd, t } = await runs({ approvalPolicy: 'never', sandbox: 'read-only' }, 'RUN_SHELL: go', 'never, read-only');
    withTurns.push(thread.id);
    assert.equal(cmd.status, 'failed', `refused: ${JSON.stringify(cmd)}`);
    assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')), 'the refused command did not run');
    assert.equal(t.items.at(-1).text, 'The command ran.', 'the model continues');
  }
  {
    const { cmd } = await runs({ approvalPolicy: 'untrusted' }, 'RUN_SAFE: look', 'untrusted, known-safe');
    assert.equal(cmd.status, 'completed');
    assert.equal(cmd.aggregatedOutput, 'safe\n');
  }
  {
    // sh -c 'echo ...' is a known-safe command in a shell wrapper.
    const { cmd } = await runs({ approvalPolicy: 'untrusted' }, 'DECLINE_ME please', 'untrusted, wrapped known-safe');
    assert.equal(cmd.status, 'completed');
    assert.equal(cmd.aggregatedOutput, 'this should not run\n');
  }
  {
    const cwd = h.tmpdir('cwd');
    const { thread } = await c.call('thread/start', { cwd, approvalPolicy: 'on-request', sandbox: 'read-only' });
    const a = await askedTurn(c, thread.id, 'RUN_SHELL: go');
    assert.ok(a.req.params.reason.length > 0);
    await c.respond(a.req.id, { decision: 'accept' });
    assert.equal((await waitTurnCompleted(c, a.turn.id, { since: a.since })).turn.status, 'completed');
    assert.equal(commandItems(c, a.turn.id, a.since)[0].status, 'completed');
  }
  // No thread is left waiting.
  const loaded = (await c.call('thread/loaded/list', {})).data;
  for (const id of loaded) {
    const r = await c.call('thread/read', { threadId: id });
    assert.deepEqual(r.thread.status, { type: 'idle' }, `thread ${id}`);
  }
  await checkResume(h, server, c, withTurns.at(-1));
});

// "on-failure" is a config.toml value (Codex 0.169.0's v2 AskForApproval has no such value):
// commands run in workspace-write as with on-request.
e2eTest('approval_policy = "on-failure" in config.toml: commands run in workspace-write without asking', async (h) => {
  const { server, client: c, cwd, thread, started } = await stdioThread(h, { config: { approvalPolicy: 'on-failure' } });
  assert.notEqual(started.approvalPolicy, 'on-failure', 'thread/start reports a v2 AskForApproval value');
  const t = await runTurn(c, thread.id, 'RUN_SHELL: go');
  assert.equal(t.turn.status, 'completed');
  assert.equal(c.serverRequests(APPROVAL).length, 0);
  assert.equal(commandItems(c, t.started.id, t.since)[0].status, 'completed');
  assert.equal(fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8'), 'hi\n');
  await checkResume(h, server, c, thread.id);
});

e2eTest('turn/start approvalPolicy and sandboxPolicy apply to the turn and to later turns', async (h) => {
  const { server, client: c, cwd, thread } = await stdioThread(h); // on-request, workspace-write
  const a = await askedTurn(c, thread.id, 'RUN_SHELL: one', { approvalPolicy: 'untrusted' });
  await c.respond(a.req.id, { decision: 'decline' });
  await waitTurnCompleted(c, a.turn.id, { since: a.since });
  // Kept for the next turn.
  const b = await askedTurn(c, thread.id, 'RUN_SHELL: two');
  await c.respond(b.req.id, { decision: 'decline' });
  await waitTurnCompleted(c, b.turn.id, { since: b.since });
  // never + read-only: refused without asking.
  const t = await runTurn(c, thread.id, 'RUN_SHELL: three', { approvalPolicy: 'never', sandboxPolicy: { type: 'readOnly' } });
  assert.equal(c.serverRequests(APPROVAL).filter((r) => r.params.turnId === t.started.id).length, 0);
  assert.equal(commandItems(c, t.started.id, t.since)[0].status, 'failed');
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  const r = await c.call('thread/resume', { threadId: thread.id });
  assert.equal(r.approvalPolicy, 'never');
  assert.equal(r.sandbox.type, 'readOnly');
  await checkResume(h, server, c, thread.id);
});

e2eTest('a failing command (RUN_FAIL:) completes as failed with its exit code and output', async (h) => {
  const { mock, server, client: c, thread } = await stdioThread(h);
  const t = await runTurn(c, thread.id, 'RUN_FAIL: break it');
  assert.equal(t.turn.status, 'completed');
  const [cmd] = commandItems(c, t.started.id, t.since);
  assert.equal(cmd.status, 'failed');
  assert.equal(cmd.exitCode, 3);
  assert.match(cmd.aggregatedOutput, /oops/);
  assert.ok(Number.isInteger(cmd.durationMs));
  const sent = await outputSentToModel(mock, cmd.id);
  assert.match(sent, /3/);
  assert.match(sent, /oops/);
  assert.equal(t.items.at(-1).text, 'The command failed.');
  checkTurnStream(c, thread.id, t.started.id, t.since);
  await checkResume(h, server, c, thread.id);
});

e2eTest('turn/interrupt while asked: the request is resolved, the turn interrupted, a late answer ignored', async (h) => {
  const { mock, server, client: c, cwd, thread } = await stdioThread(h, UNTRUSTED);
  const { turn, since, req } = await askedTurn(c, thread.id, 'RUN_SHELL: please');
  assert.deepEqual(await c.call('turn/interrupt', { threadId: thread.id, turnId: turn.id }), {});
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.equal(done.turn.status, 'interrupted');
  const resolved = await c.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since });
  const flat = c.flat;
  assert.ok(flat.indexOf(resolved) < flat.findIndex((m) => m.method === 'turn/completed' && m.params.turn.id === turn.id),
    'serverRequest/resolved before turn/completed');
  checkTurnStream(c, thread.id, turn.id, since);
  // A late answer changes nothing.
  const late = c.mark();
  await c.respond(req.id, { decision: 'accept' });
  await c.expectNone((m) => m.method && m.params?.threadId === thread.id, 300, late, 'reaction to a late answer');
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  assert.equal((await mock.requests()).length, 1);
  await checkResume(h, server, c, thread.id);
});

e2eTest('the asked client disconnects: cancel; the subscriber sees the request resolved and the turn interrupted', async (h) => {
  const { server, a, cwd, thread } = await unixThread(h, UNTRUSTED);
  const b = await server.connect('B');
  await b.initialize();
  await b.call('thread/resume', { threadId: thread.id });
  const sinceB = b.mark();
  const { turn, req } = await askedTurn(a, thread.id, 'RUN_SHELL: then vanish');
  // B sees the wait but is not asked.
  await b.waitNotification('thread/status/changed', (p) => p.status.activeFlags?.includes('waitingOnApproval'), { since: sinceB });
  await b.expectNone((m) => m.method === APPROVAL, 200, sinceB, 'approval request to a client that did not start the turn');
  a.close();
  const done = await waitTurnCompleted(b, turn.id, { since: sinceB });
  assert.equal(done.turn.status, 'interrupted');
  const resolved = await b.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since: sinceB });
  assert.equal(resolved.params.threadId, thread.id);
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  checkTurnStream(b, thread.id, turn.id, sinceB);
  await checkResume(h, server, b, thread.id);
});

e2eTest('the only client disconnects while asked: the turn ends interrupted, as a new connection reads', async (h) => {
  const { server, a, cwd, thread } = await unixThread(h, UNTRUSTED);
  const { turn } = await askedTurn(a, thread.id, 'RUN_SHELL: then vanish');
  a.close();
  const c = await server.connect('C');
  await c.initialize();
  let last;
  for (let i = 0; i < 50; i++) {
    last = (await c.call('thread/read', { threadId: thread.id, includeTurns: true })).thread.turns.at(-1);
    if (last.status !== 'inProgress' && last.completedAt != null) break;
    await sleep(100);
  }
  assert.equal(last.id, turn.id);
  assert.equal(last.status, 'interrupted');
  // Not active any more (with no subscriber left the thread may also be unloaded).
  const read = await c.call('thread/read', { threadId: thread.id });
  assert.notEqual(read.thread.status.type, 'active');
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  const cmd = last.items.find((i) => i.type === 'commandExecution');
  assert.ok(cmd, 'the command item is kept');
  assert.notEqual(cmd.status, 'inProgress');
  assert.notEqual(cmd.status, 'completed');
  // A new process reads the same turn.
  server.kill('SIGKILL');
  await server.waitExit();
  const { client: d } = await h.initializedStdio();
  const r = await d.call('thread/resume', { threadId: thread.id });
  assert.deepEqual(r.thread.turns.at(-1), last);
});

e2eTest('resume while asked: the turn so far with the command in progress; the answer then reaches both clients', async (h) => {
  const { server, a, cwd, thread } = await unixThread(h, UNTRUSTED);
  const { turn, since, req, item } = await askedTurn(a, thread.id, 'RUN_SHELL: two watchers');
  const b = await server.connect('B');
  await b.initialize();
  const sinceB = b.mark();
  const r = await b.call('thread/resume', { threadId: thread.id });
  assert.equal(r.thread.status.type, 'active'); // waitingOnApproval: see the test below
  const live = r.thread.turns.at(-1);
  assert.equal(live.id, turn.id);
  assert.equal(live.status, 'inProgress');
  assert.deepEqual(live.items.map((i) => i.type), ['userMessage', 'commandExecution']);
  assert.deepEqual(live.items[1], item, 'the command item as notified by item/started');
  await b.expectNone((m) => m.method === APPROVAL, 200, sinceB, 'approval request to the resumer');

  await a.respond(req.id, { decision: 'accept' });
  const doneA = await waitTurnCompleted(a, turn.id, { since });
  const doneB = await waitTurnCompleted(b, turn.id, { since: sinceB });
  assert.equal(doneA.turn.status, 'completed');
  assert.deepEqual(doneB.turn, doneA.turn);
  await b.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since: sinceB });
  assert.deepEqual(statusChanges(b, thread.id, sinceB), [{ type: 'active', activeFlags: [] }, { type: 'idle' }]);
  // B's items from the resume on: the rest of the turn.
  const itemsB = completedItems(b, turn.id, sinceB);
  assert.deepEqual(itemsB, completedItems(a, turn.id, since).slice(1), 'B gets every completion after the snapshot');
  assert.equal(deltaText(b, item.id, 'item/commandExecution/outputDelta', sinceB), 'done\n');
  assert.equal(fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8'), 'hi\n');
  checkTurnStream(a, thread.id, turn.id, since);
  await checkResume(h, server, a, thread.id);
});

e2eTest('an error answer to the approval request: the command does not run and the turn ends', async (h) => {
  const { server, client: c, cwd, thread } = await stdioThread(h, UNTRUSTED);
  const { turn, since, req } = await askedTurn(c, thread.id, 'RUN_SHELL: please');
  await c.respondError(req.id, -32603, 'the client could not show the prompt');
  const done = await waitTurnCompleted(c, turn.id, { since });
  assert.ok(['completed', 'interrupted'].includes(done.turn.status), done.turn.status);
  await c.waitNotification('serverRequest/resolved', (p) => p.requestId === req.id, { since });
  assert.ok(!fs.existsSync(path.join(cwd, 'out.txt')));
  assert.notEqual(commandItems(c, turn.id, since)[0].status, 'completed');
  checkTurnStream(c, thread.id, turn.id, since);
  // Answers to requests the server never sent are ignored.
  await c.respond(9999, { decision: 'accept' });
  await c.respond('nope', { decision: 'accept' });
  const next = await runTurn(c, thread.id, 'still there?');
  assert.equal(next.turn.status, 'completed');
  await checkResume(h, server, c, thread.id);
});

e2eTest('each approval request on a connection has its own id', async (h) => {
  const { server, client: c, thread } = await stdioThread(h, UNTRUSTED);
  const ids = [];
  for (const text of ['RUN_SHELL: one', 'RUN_SHELL: two']) {
    const a = await askedTurn(c, thread.id, text);
    ids.push(a.req.id);
    await c.respond(a.req.id, { decision: 'decline' });
    await waitTurnCompleted(c, a.turn.id, { since: a.since });
  }
  assert.notEqual(ids[0], ids[1], 'each request has its own id');
  assertSameTurns((await c.call('thread/read', { threadId: thread.id, includeTurns: true })).thread.turns, seenTurns(c, thread.id));
  await checkResume(h, server, c, thread.id);
});

e2eTest('thread/resume and thread/read while asked report the status waitingOnApproval', async (h) => {
  const { server, a, thread } = await unixThread(h, UNTRUSTED);
  const { turn, since, req } = await askedTurn(a, thread.id, 'RUN_SHELL: status?');
  const waiting = { type: 'active', activeFlags: ['waitingOnApproval'] };
  assert.deepEqual(statusChanges(a, thread.id, since).at(-1), waiting, 'the last status notified');
  const b = await server.connect('B');
  await b.initialize();
  try {
    assert.deepEqual((await a.call('thread/read', { threadId: thread.id })).thread.status, waiting, 'thread/read');
    assert.deepEqual((await b.call('thread/resume', { threadId: thread.id })).thread.status, waiting, 'thread/resume');
  } finally {
    await a.respond(req.id, { decision: 'decline' });
    await waitTurnCompleted(a, turn.id, { since });
  }
});

e2eTest('two threads asked at once on one connection: each answer goes to its own turn', async (h) => {
  const { server, client: c, thread: t1 } = await stdioThread(h, UNTRUSTED);
  const cwd2 = h.tmpdir('cwd2');
  const { thread: t2 } = await c.call('thread/start', { cwd: cwd2, approvalPolicy: 'untrusted' });
  const since = c.mark();
  const turn1 = await startTurn(c, t1.id, 'RUN_SHELL: first thread');
  const turn2 = await startTurn(c, t2.id, 'RUN_SHELL: second thread');
  const r1 = await c.waitServerRequest(APPROVAL, (p) => p.turnId === turn1.id, { since });
  const r2 = await c.waitServerRequest(APPROVAL, (p) => p.turnId === turn2.id, { since });
  assert.notEqual(r1.id, r2.id);
  assert.equal(r1.params.threadId, t1.id);
  assert.equal(r2.params.threadId, t2.id);
  // Answer the second first.
  await c.respond(r2.id, { decision: 'accept' });
  const done2 = await waitTurnCompleted(c, turn2.id, { since });
  assert.equal(done2.turn.status, 'completed');
  assert.equal(commandItems(c, turn2.id, since)[0].status, 'completed');
  assert.ok(fs.existsSync(path.join(cwd2, 'out.txt')));
  // The first is still waiting.
  assert.equal(c.notifications('turn/completed').filter((m) => m.params.turn.id === turn1.id).length, 0);
  assert.deepEqual(statusChanges(c, t1.id, since).at(-1), { type: 'active', activeFlags: ['waitingOnApproval'] });
  await c.respond(r1.id, { decision: 'decline' });
  const done1 = await waitTurnCompleted(c, turn1.id, { since });
  assert.equal(done1.turn.status, 'completed');
  assert.equal(commandItems(c, turn1.id, since)[0].status, 'declined');
  const resolved = c.notifications('serverRequest/resolved').map((m) => m.params);
  assert.deepEqual(resolved.find((p) => p.requestId === r1.id), { threadId: t1.id, requestId: r1.id });
  assert.deepEqual(resolved.find((p) => p.requestId === r2.id), { threadId: t2.id, requestId: r2.id });
  checkTurnStream(c, t1.id, turn1.id, since);
  checkTurnStream(c, t2.id, turn2.id, since);
  assertSameTurns((await c.call('thread/resume', { threadId: t2.id })).thread.turns, seenTurns(c, t2.id));
  await checkResume(h, server, c, t1.id);
});
