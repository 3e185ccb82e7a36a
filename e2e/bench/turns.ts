/**
 * `npm run bench -- turns`: the overhead of an agent turn. 100 agents work at
 * once (10 runs of a lead and 9 workers, each worker taking a dozen turns of
 * a model call and a file tool call) on 2 worker processes, with a
 * zero-latency simulated model, so what is measured is Flightdeck itself:
 * loading state, the gate, appending and publishing events, enqueueing the
 * next turn. Beside it, the same number of chains of bare BullMQ no-op jobs
 * (each adding the next, as a turn enqueues the agent's next turn) on 2
 * processes at the same concurrency.
 *  - turns/s and steps/s (model + tool calls) over the run window;
 *  - dispatch: from a worker's turn finishing (committed) to its next turn
 *    starting (committed) — queueing, pickup and loading the run's state;
 *  - CPU per turn (machine-wide, and the workers', PostgreSQL's and Redis's
 *    share) against the machine's CPU per raw job: on this CPU-bound machine
 *    what a turn costs, more than any wait, sets turns/s.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import type { RunEvent } from '@flightdeck/domain';
import { saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startStack } from '../lib/stack';
import { readFileSync } from 'node:fs';
import {
  CLOCK_TICKS,
  cpuMsOf,
  memoryFigures,
  parseMachineTicks,
  postgresBackendsOf,
  redisServer,
  sampleProcesses,
} from './lib/process-stats';
import { round, summarize, table } from './lib/stats';
import type { BenchOptions, BenchResult } from './registry';
import { workTeam } from './lib/work-team';

const WORKER_PROCESSES = 2;
const CONCURRENCY_PER_PROCESS = 50;
const AGENTS_PER_RUN = 10;

const ms = (event: RunEvent) => Date.parse(event.at);

/** The whole machine's busy CPU time so far (every process), in ms. */
const machineBusyMs = () =>
  (parseMachineTicks(readFileSync('/proc/stat', 'utf8')).busy / CLOCK_TICKS) * 1000;

/** Turn gaps of the non-lead agents: a turn finished → that agent's next turn started. */
function dispatchGaps(events: readonly RunEvent[], leadIds: ReadonlySet<string>): number[] {
  const finished = new Map<string, number>();
  const gaps: number[] = [];
  for (const event of events) {
    if (!event.agentId || leadIds.has(event.agentId)) continue;
    if (event.type === 'agent.turn.finished') finished.set(event.agentId, ms(event));
    if (event.type === 'agent.turn.started') {
      const at = finished.get(event.agentId);
      if (at !== undefined) gaps.push(ms(event) - at);
    }
  }
  return gaps;
}

async function rawChains(
  chains: number,
  length: number,
): Promise<{ perS: number; dispatch: number[]; machineCpuMsPerJob: number }> {
  const prefix = `{${uniqueRedisPrefix('raw-chain')}}`;
  const queueName = 'raw-chain';
  const children = Array.from({ length: WORKER_PROCESSES }, () =>
    fork(
      path.join(import.meta.dirname, 'raw', 'chain-worker.ts'),
      [redisUrl(), prefix, queueName, String(CONCURRENCY_PER_PROCESS), String(length)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    ),
  );
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  const subscriber = new Redis(redisUrl());
  const queue = new Queue(queueName, {
    connection: new Redis(redisUrl(), { maxRetriesPerRequest: null }),
    prefix,
  });
  const dispatch: number[] = [];
  const total = chains * length;
  let last = 0;
  const done = new Promise<void>((resolve) =>
    subscriber.on('message', (_c, raw: string) => {
      const { addedAt, startedAt } = JSON.parse(raw) as { addedAt: number; startedAt: number };
      dispatch.push(startedAt - addedAt);
      last = Math.max(last, startedAt);
      if (dispatch.length === total) resolve();
    }),
  );
  await subscriber.subscribe(`${prefix}:raw-chain:started`);
  const busyBefore = machineBusyMs();
  const first = performance.timeOrigin + performance.now();
  await queue.addBulk(
    Array.from({ length: chains }, (_, chain) => ({
      name: 'turn',
      data: { chain, step: 0, addedAt: performance.timeOrigin + performance.now() },
      opts: { jobId: `c${chain}s0`, removeOnComplete: true },
    })),
  );
  await done;
  const machineCpuMs = machineBusyMs() - busyBefore;
  // Each closes its worker (the last jobs finish) and exits; only then is the queue removed.
  const exited = children.map((c) => new Promise((r) => c.once('exit', r)));
  for (const child of children) child.disconnect();
  await Promise.all(exited);
  await queue.obliterate({ force: true });
  await queue.close();
  subscriber.disconnect();
  return {
    perS: (total / (last - first)) * 1000,
    dispatch,
    machineCpuMsPerJob: machineCpuMs / total,
  };
}

export async function turnsBench({ quick }: BenchOptions): Promise<BenchResult> {
  const runs = quick ? 3 : 100 / AGENTS_PER_RUN;
  const workSteps = quick ? 4 : 12;
  const stack = await startStack({
    label: 'bench-turns',
    workers: WORKER_PROCESSES,
    web: false,
    workerEnv: { WORKER_CONCURRENCY: String(CONCURRENCY_PER_PROCESS) },
  });
  const workerStats = sampleProcesses(
    stack.workers.map((w, i) => ({ name: `w${i}`, pid: w.pid! })),
  );
  let turns = 0;
  let steps = 0;
  /** Busy CPU time while the runs ran: the whole machine's, and the workers', PostgreSQL's and Redis's. */
  let machineCpuMs = 0;
  const cpuMs = { workers: 0, postgres: 0, redis: 0 };
  const gaps: number[] = [];
  const windowMs = await (async () => {
    try {
      const { engine } = stack;
      await saveTeam(engine, { source: workTeam('turns-bench', AGENTS_PER_RUN, workSteps) });
      const runIds: string[] = [];
      const database = new URL(stack.env.DATABASE_URL!).pathname.slice(1);
      const groups = {
        workers: () => stack.workers.map((w) => w.pid!),
        postgres: postgresBackendsOf(database),
        redis: redisServer,
      };
      const groupsBefore = Object.fromEntries(
        Object.entries(groups).map(([name, pids]) => [name, cpuMsOf(pids())]),
      );
      const busyBefore = machineBusyMs();
      for (let i = 0; i < runs; i++) {
        const { runId } = await spawnRun(engine, {
          teamSlug: 'turns-bench',
          goal: `Turns ${i}`,
          by: { kind: 'system', id: 'bench' },
        });
        runIds.push(runId);
      }
      // Until every run has ended.
      const deadline = Date.now() + (quick ? 120_000 : 600_000);
      for (;;) {
        const { rows } = await engine.db.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM runs WHERE status IN ('pending', 'running', 'paused')",
        );
        if (rows[0]!.n === 0) break;
        if (Date.now() > deadline)
          throw new Error(`${rows[0]!.n} runs still active at the deadline`);
        await new Promise((r) => setTimeout(r, 100));
      }
      machineCpuMs = machineBusyMs() - busyBefore;
      for (const [name, pids] of Object.entries(groups))
        cpuMs[name as keyof typeof cpuMs] = cpuMsOf(pids()) - groupsBefore[name]!;
      let start = Infinity;
      let end = 0;
      for (const runId of runIds) {
        const events = await readAllEvents(engine.db, runId);
        const status = events.at(-1)?.type;
        if (status !== 'run.completed') throw new Error(`run ${runId} ended with ${status}`);
        start = Math.min(start, ms(events[0]!));
        end = Math.max(end, ms(events.at(-1)!));
        const leads = new Set(
          events
            .filter((e) => e.type === 'agent.spawned' && e.payload.parentAgentId === null)
            .map((e) => e.agentId!),
        );
        turns += events.filter((e) => e.type === 'agent.turn.started').length;
        steps += events.filter(
          (e) => e.type === 'llm.call.finished' || e.type === 'tool.call.finished',
        ).length;
        gaps.push(...dispatchGaps(events, leads));
      }
      return end - start;
    } finally {
      workerStats.stop();
      await stack.stop();
    }
  })();
  const raw = await rawChains(runs * AGENTS_PER_RUN, workSteps + 1);
  const turnsPerS = (turns / windowMs) * 1000;
  const stepsPerS = (steps / windowMs) * 1000;
  const dispatch = summarize(gaps);
  const rawDispatch = summarize(raw.dispatch);
  console.log(
    table([
      {
        measure: `Flightdeck: ${runs * AGENTS_PER_RUN} agents, ${turns} turns`,
        per_s: round(turnsPerS, 1),
        dispatch_p50_ms: dispatch.p50,
        dispatch_p99_ms: dispatch.p99,
      },
      {
        measure: `raw BullMQ: ${runs * AGENTS_PER_RUN} chains of no-op jobs`,
        per_s: round(raw.perS, 1),
        dispatch_p50_ms: rawDispatch.p50,
        dispatch_p99_ms: rawDispatch.p99,
      },
    ]),
  );
  return {
    agents: runs * AGENTS_PER_RUN,
    worker_processes: WORKER_PROCESSES,
    concurrency: WORKER_PROCESSES * CONCURRENCY_PER_PROCESS,
    turns,
    turns_per_s: round(turnsPerS, 1),
    steps_per_s: round(stepsPerS, 1),
    raw_jobs_per_s: round(raw.perS, 1),
    ratio_vs_raw: round(turnsPerS / raw.perS),
    dispatch_p50_ms: dispatch.p50,
    dispatch_p99_ms: dispatch.p99,
    machine_cpu_ms_per_turn: round(machineCpuMs / turns, 2),
    worker_cpu_ms_per_turn: round(cpuMs.workers / turns, 2),
    postgres_cpu_ms_per_turn: round(cpuMs.postgres / turns, 2),
    redis_cpu_ms_per_turn: round(cpuMs.redis / turns, 2),
    raw_dispatch_p99_ms: rawDispatch.p99,
    raw_machine_cpu_ms_per_job: round(raw.machineCpuMsPerJob, 2),
    ...memoryFigures('worker', workerStats.stop().summary),
  };
}
