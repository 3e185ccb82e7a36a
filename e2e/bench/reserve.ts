/**
 * `npm run bench -- reserve`: what the gate and the budget reservation add to
 * each gated call, on the real PostgreSQL and Redis the workers use.
 *
 * A gated model call, as the executor makes it: the policy decision (pure,
 * the policy loaded once per turn), the worst case (input estimate + max
 * output at the price table), the reservation against every covering scope
 * (the run, the team's day and month, the global day and month: one Lua
 * script over five counters), and after the call the settlement (another).
 *
 *  - added latency: one caller at a time, reserve + settle (p50, p99);
 *  - sustained gated calls per second: 64 callers at once for a while;
 *  - overspend: 64 callers race a budget that covers exactly 500 calls; how
 *    many more than 500 got through (must be 0).
 * Baseline in the same run: a bare Redis round trip (EVALSHA of an empty script).
 */
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  decideAtGate,
  estimateInputTokens,
  evaluatePolicy,
  type GateRequest,
  heldByReservations,
  DEFAULT_PRICE_TABLE,
  priceIn,
  type RunEvent,
  type RunState,
  scopeId,
  worstCaseModelCall,
} from '@flightdeck/domain';
import {
  budgetScopeKey,
  createEngine,
  type Engine,
  getTeam,
  loadEffectivePolicy,
  loadRunState,
  readBudgetCounters,
  reserveCall,
  saveTeam,
  setGlobalBudget,
  setRunBudget,
  setTeamBudget,
  settleCall,
  spawnRun,
} from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import type { Queue } from 'bullmq';
import { summarize, table } from './lib/stats';
import type { BenchOptions, BenchResult } from './registry';

const TEAM = `
name: reserve-bench
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read]
policy:
  rules:
    - { id: no-shell, tool: shell, effect: deny }
    - { id: reads, tool: fs.read, effect: allow }
    - { id: models, tool: model, effect: allow }
budget:
  usd: { soft: 100000, hard: 1000000 }
  llmCalls: { soft: 90000000, hard: 100000000 }
  tokens: 100000000000
`;

const SYSTEM = 'You are a careful researcher. Cite your sources.';
const MESSAGES = [
  {
    role: 'user' as const,
    content: 'Summarise the budget policies of three agent platforms.',
    seq: 1,
  },
  {
    role: 'assistant' as const,
    content: 'Reading the first one.',
    toolCalls: [{ callId: 'c1', tool: 'fs.read', args: { path: 'notes/a.md' } }],
    seq: 2,
  },
  {
    role: 'tool' as const,
    callId: 'c1',
    tool: 'fs.read',
    ok: true,
    content: 'x'.repeat(2000),
    seq: 3,
  },
];
const TOOLS = [{ name: 'fs.read', description: 'Read a file', parameters: { type: 'object' } }];

interface Setup {
  engine: Engine;
  state: RunState;
  leadId: string;
  gate: () => Promise<unknown>;
}

async function setUp(engine: Engine): Promise<Setup> {
  await saveTeam(engine, { source: TEAM });
  const team = (await getTeam(engine, { slug: 'reserve-bench' }))!;
  const by = { kind: 'system', id: 'bench' } as const;
  await setTeamBudget(engine, {
    teamId: team.id,
    budgets: {
      day: { usd: { hard: 10 ** 12 } },
      month: { tokens: { soft: 10 ** 12, hard: 10 ** 13 } },
    },
    by,
  });
  await setGlobalBudget(engine, {
    budgets: { day: { llmCalls: { hard: 10 ** 9 } }, month: { usd: { hard: 10 ** 13 } } },
    by,
  });
  const { runId } = await spawnRun(engine, { teamSlug: 'reserve-bench', goal: 'bench', by });
  const state = await loadRunState(engine, runId);
  const leadId = state.leadAgentId!;
  const policy = await loadEffectivePolicy(engine, {
    teamId: team.id,
    manifest: team.manifest,
    manifestVersion: team.currentVersion,
  });
  const request: GateRequest = {
    subject: 'model',
    tool: 'model',
    args: { model: 'simulated/gpt-4o-mini' },
    agent: { key: 'lead', ancestors: [], depth: 0, turn: 1 },
    run: { costMicroUsd: 0, allowedRules: [] },
  };
  return {
    engine,
    state,
    leadId,
    gate: () =>
      decideAtGate(() => evaluatePolicy(policy, request), { policyVersion: policy.version }),
  };
}

let seq = 1_000_000;

/** The event a settled model call records (synthetic: the bench does not append to the log). */
function finished(state: RunState, agentId: string): RunEvent {
  seq += 1;
  return {
    runId: state.runId!,
    seq,
    version: 1,
    at: new Date().toISOString(),
    agentId,
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: null,
    type: 'llm.call.finished',
    payload: {
      callId: `bench-${seq}`,
      text: 'ok',
      toolCalls: [],
      usage: { inputTokens: 900, outputTokens: 120 },
      costMicroUsd: 207,
      priceVersion: 'bench',
      latencyMs: 0,
      finishReason: 'stop',
    },
  };
}

let callNo = 0;

/** One gated model call's gate work: decide, worst case, reserve; then settle. Returns ms before and after the call. */
async function gatedCall(
  s: Setup,
): Promise<{ before: number; after: number; ok: boolean; waited: boolean }> {
  const id = `${s.state.runId}:bench-call-${++callNo}`;
  const t0 = performance.now();
  const decision = (await s.gate()) as { effect: string };
  if (decision.effect !== 'allow') throw new Error('the bench policy should allow model calls');
  const amounts = worstCaseModelCall(
    priceIn(DEFAULT_PRICE_TABLE, 'gpt-4o-mini'),
    estimateInputTokens({ system: SYSTEM, messages: MESSAGES, tools: TOOLS }),
    1024,
  );
  const outcome = await reserveCall(s.engine, {
    state: s.state,
    agentId: s.leadId,
    reservationId: id,
    amounts,
  });
  const t1 = performance.now();
  if (!outcome.ok)
    return { before: t1 - t0, after: 0, ok: false, waited: heldByReservations(outcome.breach) };
  await settleCall(s.engine, {
    state: s.state,
    reservationId: id,
    event: finished(s.state, s.leadId),
  });
  return { before: t1 - t0, after: performance.now() - t1, ok: true, waited: false };
}

/** A bare Redis round trip (EVALSHA of `return 1`): the floor under any Redis-backed gate, measured side by side. */
function rawRoundTrip(engine: Engine): () => Promise<number> {
  const script = 'return 1';
  const sha = createHash('sha1').update(script).digest('hex');
  let loaded: Promise<unknown> | null = null;
  return async () => {
    loaded ??= engine.redis.eval(script, 0);
    await loaded;
    const t0 = performance.now();
    await engine.redis.evalsha(sha, 0);
    return performance.now() - t0;
  };
}

export async function reserveBench({ quick }: BenchOptions): Promise<BenchResult> {
  const sequential = quick ? 2_000 : 20_000;
  const concurrency = 64;
  const sustainMs = quick ? 3_000 : 15_000;
  const covered = 500;
  const cpus = availableParallelism();

  const database = await createMigratedTestDatabase('bench_reserve');
  // Hash-tagged like the production prefix ({fd}): every budget key in one Redis Cluster slot.
  const prefix = `{${uniqueRedisPrefix('bench-reserve')}}`;
  const engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-bench-reserve-')),
  });
  try {
    const loadBefore = loadavg()[0]!;
    const s = await setUp(engine);
    // Warm-up: the first call rebuilds the five counters from PostgreSQL; scripts get cached.
    for (let i = 0; i < 200; i++) await gatedCall(s);

    // One caller: each gated call beside a bare round trip, so both see the same machine.
    const before: number[] = [];
    const after: number[] = [];
    const added: number[] = [];
    const raw: number[] = [];
    const bare = rawRoundTrip(engine);
    for (let i = 0; i < sequential; i++) {
      raw.push(await bare());
      const r = await gatedCall(s);
      before.push(r.before);
      after.push(r.after);
      added.push(r.before + r.after);
    }

    // Sustained: 64 callers, each one gated call after another.
    let calls = 0;
    const loaded: number[] = [];
    const deadline = performance.now() + sustainMs;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const r = await gatedCall(s);
          calls += 1;
          loaded.push(r.before + r.after);
        }
      }),
    );
    const gatedPerS = calls / ((performance.now() - started) / 1000);

    // Overspend: the run's budget now covers exactly `covered` more model calls.
    const runKey = budgetScopeKey(prefix, scopeId(s.state.runId!, { kind: 'run' }));
    const usedCalls = (await readBudgetCounters(engine.redis, [runKey]))[0]?.used.llmCalls ?? 0;
    await setRunBudget(engine, {
      runId: s.state.runId!,
      limits: { llmCalls: { hard: usedCalls + covered } },
      reason: 'bench: overspend race',
      by: { kind: 'system', id: 'bench' },
    });
    const raced = { ...s, state: await loadRunState(engine, s.state.runId!) };
    let admitted = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const r = await gatedCall(raced);
          if (r.ok) admitted += 1;
          else if (r.waited) await new Promise((resolve) => setTimeout(resolve, 1));
          else {
            refused += 1;
            return;
          }
        }
      }),
    );
    const finalUsed = (await readBudgetCounters(engine.redis, [runKey]))[0]?.used.llmCalls ?? 0;
    const overspend = Math.max(0, finalUsed - (usedCalls + covered));

    const addedStats = summarize(added);
    const loadedStats = summarize(loaded);
    const rawStats = summarize(raw);
    console.log(
      table([
        { measure: 'gate + reserve + settle, one caller (ms)', ...addedStats },
        { measure: '  reserve (before the call)', ...summarize(before) },
        { measure: '  settle (after the call)', ...summarize(after) },
        { measure: `gate + reserve + settle, ${concurrency} callers (ms)`, ...loadedStats },
        { measure: 'raw Redis round trip (EVALSHA return 1), interleaved', ...rawStats },
      ]),
    );
    console.log(
      `sustained: ${Math.round(gatedPerS)} gated calls/s (${calls} calls, ${concurrency} callers, ${sustainMs / 1000} s)`,
    );
    const loadAfter = loadavg()[0]!;
    console.log(
      `machine load (1-min average, ${cpus} CPUs): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; the raw round trip's p99 shows the noise floor`,
    );
    console.log(
      `overspend race: ${concurrency} callers against ${covered} calls: ${admitted} admitted, ${refused} refused at the limit, overspend ${overspend}`,
    );
    return {
      samples: sequential,
      added_p50_ms: addedStats.p50,
      added_p99_ms: addedStats.p99,
      reserve_p99_ms: summarize(before).p99,
      settle_p99_ms: summarize(after).p99,
      loaded_p99_ms: loadedStats.p99,
      raw_p50_ms: rawStats.p50,
      raw_p99_ms: rawStats.p99,
      ratio_vs_raw_p50: Math.round((addedStats.p50 / Math.max(rawStats.p50, 0.001)) * 10) / 10,
      gated_per_s: Math.round(gatedPerS),
      covered,
      admitted,
      overspend,
      load_avg_1m: Math.round(((loadBefore + loadAfter) / 2) * 10) / 10,
    };
  } finally {
    await Promise.all(
      Object.values(engine.queues).map((q: Queue) =>
        q.obliterate({ force: true }).catch(() => undefined),
      ),
    );
    await engine.redis
      .eval(
        "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1",
        0,
        `${prefix}:budget:*`,
      )
      .catch(() => undefined);
    await engine.close();
    await database.drop();
  }
}
