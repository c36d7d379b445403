// Two `spool serve` processes on one database (issue 10, item 5): they cannot both run a turn
// on the same thread. The turn lease (eventstore/turn_lease.h, the turn_leases table) lets
// exactly one turn/start win; the other gets -32009 naming the other process. The lease is
// released when the turn ends, and a lease left by a server killed mid-turn is taken over.
import {
  e2eTest, assert, assertError, RpcError, startTurn, waitTurnCompleted, runTurn,
} from './harness.mjs';

// Two stdio servers on the same database (and the same config.toml: the mock provider),
// both with the thread loaded: A started it, B resumed it.
async function twoServersOneThread(h) {
  const mock = await h.startMockProvider();
  const a = await h.initializedStdio();
  const b = await h.initializedStdio();
  const cwd = h.tmpdir('cwd');
  const { thread } = await a.client.call('thread/start', { cwd });
  await b.client.call('thread/resume', { threadId: thread.id });
  return { mock, a, b, thread };
}

// turn/start on a client, as {turn} or {error}.
async function tryStart(client, threadId, text) {
  try {
    return { turn: await startTurn(client, threadId, text) };
  } catch (e) {
    if (e instanceof RpcError) return { error: e.error };
    throw e;
  }
}

e2eTest('two servers racing turn/start on one thread: exactly one wins, the other gets -32009', async (h) => {
  const { a, b, thread } = await twoServersOneThread(h);
  const rounds = 5;
  let aWins = 0;
  let bWins = 0;
  for (let round = 0; round < rounds; round++) {
    const sinceA = a.client.mark();
    const sinceB = b.client.mark();
    // Who sends first alternates, so either may win.
    const startA = () => tryStart(a.client, thread.id, `SLOW: from A, round ${round}`);
    const startB = () => tryStart(b.client, thread.id, `SLOW: from B, round ${round}`);
    const [ra, rb] = round % 2 === 0
      ? await Promise.all([startA(), startB()])
      : (await Promise.all([startB(), startA()])).reverse();
    const winners = [ra, rb].filter((r) => r.turn);
    assert.equal(winners.length, 1, `round ${round}: exactly one turn/start wins: ${JSON.stringify([ra, rb])}`);
    const [winner, loser, since] = ra.turn ? [a, rb, sinceA] : [b, ra, sinceB];
    if (ra.turn) aWins++; else bWins++;
    assertError(loser.error, -32009, /another spool process \(pid \d+ on host .+\)/);
    assert.ok(loser.error.message.includes(thread.id), 'the error names the thread');
    assert.equal(loser.error.data?.threadId, thread.id);

    // The winner's turn runs; interrupting it ends it, which releases the lease.
    const turn = (ra.turn || rb.turn);
    await winner.client.call('turn/interrupt', { threadId: thread.id, turnId: turn.id });
    const done = await waitTurnCompleted(winner.client, turn.id, { since });
    assert.equal(done.turn.status, 'interrupted');
  }
  // Free again: the other server (or either) can now run a whole turn.
  const other = aWins >= bWins ? b : a;
  const { turn } = await runTurn(other.client, thread.id, 'Hello after the race');
  assert.equal(turn.status, 'completed');
  console.log(`two servers, one thread: ${rounds} races, exactly one winner each (A ${aWins}, B ${bWins}), `
    + 'every loser answered -32009; a turn ran after each release');
});

e2eTest('a turn running in one server blocks turn/start on that thread in another until it ends', async (h) => {
  const { a, b, thread } = await twoServersOneThread(h);
  const since = a.client.mark();
  const running = await startTurn(a.client, thread.id, 'SLOW: long one');
  await a.client.waitNotification('item/agentMessage/delta', (p) => p.turnId === running.id, { since, timeout: 10000 });
  const refused = await tryStart(b.client, thread.id, 'Hello from B');
  assertError(refused.error, -32009, 'another spool process');

  // Another thread is not blocked: leases are per thread.
  const { thread: second } = await b.client.call('thread/start', { cwd: h.tmpdir('cwd2') });
  const other = await runTurn(b.client, second.id, 'Hello on another thread');
  assert.equal(other.turn.status, 'completed');

  await a.client.call('turn/interrupt', { threadId: thread.id, turnId: running.id });
  await waitTurnCompleted(a.client, running.id, { since });
  const after = await runTurn(b.client, thread.id, 'Hello from B, now free');
  assert.equal(after.turn.status, 'completed');
});

e2eTest('a lease left by a server killed mid-turn is taken over by the other server', async (h) => {
  const { a, b, thread } = await twoServersOneThread(h);
  const since = a.client.mark();
  const running = await startTurn(a.client, thread.id, 'SLOW: to be killed');
  await a.client.waitNotification('item/agentMessage/delta', (p) => p.turnId === running.id, { since, timeout: 10000 });
  assertError((await tryStart(b.client, thread.id, 'Hello from B')).error, -32009, 'another spool process');

  a.server.kill('SIGKILL');
  await a.server.waitExit();
  const { turn } = await runTurn(b.client, thread.id, 'Hello after the kill');
  assert.equal(turn.status, 'completed');
  // The killed turn is recorded as interrupted before B's turn (its history continues).
  const read = await b.client.call('thread/read', { threadId: thread.id, includeTurns: true });
  const ids = read.thread.turns.map((t) => t.id);
  assert.ok(ids.includes(running.id) && ids.includes(turn.id), `both turns stored: ${ids}`);
  assert.equal(read.thread.turns.find((t) => t.id === running.id).status, 'interrupted');
});
