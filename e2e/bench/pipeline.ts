/**
 * `npm run bench -- pipeline`: events from workers through PostgreSQL, Redis
 * and Socket.IO to watching clients, at rising load until saturation.
 *  - pipeline, 1 watcher: a producer process records events exactly as
 *    workers do (commit, then publish) into 20 runs; every event is watched
 *    by one client, its runs split over two web instances;
 *  - pipeline, 20 watchers: the same, every run watched by 20 clients;
 *  - fan-out: 20 clients on one run;
 *  - raw relay, beside it in the same run: the producer publishes the same
 *    messages straight to Redis, a bare Socket.IO relay forwards them.
 * Latency runs from the commit (the engine's listener, between commit and
 * publish; for the raw relay, the publish) to the client's receipt. A step is
 * sustained when at least 95 % of the offered events were committed and every
 * one reached every watcher within the drain time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import { saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl } from '@flightdeck/testing';
import { startStack } from '../lib/stack';
import { saveDetail } from './lib/detail';
import { memoryFigures, sampleProcesses } from './lib/process-stats';
import { round, summarize, table } from './lib/stats';
import type {
  CollectReport,
  ProducerConfig,
  StepReport,
  WatcherCommand,
  WatcherConfig,
} from './pipeline/protocol';
import type { BenchOptions, BenchResult } from './registry';

const RUNS = 20;
const DRAIN_MS = 60_000;
const SATURATED_P99_MS = 1_000;

const TEAM = `
name: pipeline-bench
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read]
policy:
  rules:
    - { id: read-workspace, tool: fs.read, effect: allow }
`;

/** A child process of this benchmark that speaks the protocol over IPC. */
class Child {
  private readonly waiting: Array<(message: { kind: string }) => void> = [];
  constructor(readonly process: ChildProcess) {
    process.on('message', (message: { kind: string }) => this.waiting.shift()?.(message));
  }
  static async start(script: string, args: string[]): Promise<Child> {
    const child = new Child(
      fork(path.join(import.meta.dirname, script), args, {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await child.next();
    return child;
  }
  next<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve as (message: { kind: string }) => void);
      this.process.once('exit', (code) => reject(new Error(`child exited (${code})`)));
    });
  }
  ask<T>(message: unknown): Promise<T> {
    const reply = this.next<T>();
    this.process.send(message as object);
    return reply;
  }
  stop(): void {
    if (this.process.connected) this.process.disconnect();
  }
}

interface Step {
  scenario: string;
  offered: number;
  committed_per_s: number;
  deliveries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  lost: number;
  append_p99_ms: number;
  sustained: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One load level: produce for `durationMs`, let deliveries drain, then match them. */
async function runStep(
  scenario: string,
  producer: Child,
  watchers: Child,
  runIds: string[],
  clients: number,
  eventsPerS: number,
  durationMs: number,
): Promise<Step> {
  const before = (await watchers.ask<{ received: number }>({ kind: 'received' })).received;
  const report = await producer.ask<StepReport>({ kind: 'step', eventsPerS, durationMs });
  const expected = before + report.events * clients;
  // Drain: until everything arrived, or nothing more arrives for 2 s (a backlog still moves).
  const deadline = Date.now() + DRAIN_MS;
  let last = -1;
  let lastMoved = Date.now();
  while (Date.now() < deadline && Date.now() - lastMoved < 2_000) {
    const { received } = await watchers.ask<{ received: number }>({ kind: 'received' });
    if (received >= expected) break;
    if (received !== last) {
      last = received;
      lastMoved = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const collected = await watchers.ask<CollectReport>({
    kind: 'collect',
    commits: report.commits,
    runIds,
  } satisfies WatcherCommand);
  const seconds = report.elapsedMs / 1000;
  const step: Step = {
    scenario,
    offered: eventsPerS,
    committed_per_s: Math.round(report.events / seconds),
    deliveries_per_s: Math.round(collected.delivered / seconds),
    p50_ms: collected.p50,
    p99_ms: collected.p99,
    lost: collected.lost,
    append_p99_ms: summarize(report.appendMs).p99,
    sustained:
      report.events >= 0.95 * eventsPerS * (durationMs / 1000) &&
      collected.lost === 0 &&
      collected.p99 <= SATURATED_P99_MS,
  };
  process.stdout.write(
    `${scenario} @ ${eventsPerS}/s: committed ${step.committed_per_s}/s, delivered ${step.deliveries_per_s}/s, p50 ${step.p50_ms} ms, p99 ${step.p99_ms} ms, lost ${step.lost}${step.sustained ? '' : ' — saturated'}\n`,
  );
  return step;
}

/** Rising load until a step is not sustained (that step is kept: it shows where it breaks). */
async function sweep(
  scenario: string,
  producer: Child,
  watchers: Child,
  runIds: string[],
  clients: number,
  rates: number[],
  durationMs: number,
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of rates) {
    const step = await runStep(scenario, producer, watchers, runIds, clients, rate, durationMs);
    steps.push(step);
    if (!step.sustained) break;
  }
  return steps;
}

/** The highest delivery rate among sustained steps. */
const best = (steps: Step[]) =>
  Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.deliveries_per_s));
const at = (steps: Step[], rate: number) => steps.find((s) => s.offered === rate);

export async function pipelineBench({ quick }: BenchOptions): Promise<BenchResult> {
  const durationMs = quick ? 2_000 : 5_000;
  // Each ladder climbs until a step is not sustained: a ceiling is where that happens, never the
  // top of a ladder (both used to stop short of it, so the ratio compared two caps).
  const rates = quick
    ? [1_000, 5_000]
    : [1_000, 2_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000];
  const rawRates = quick
    ? [5_000, 20_000]
    : [5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 160_000, 240_000, 320_000];
  const fanoutRates = quick ? [500] : [250, 500, 1_000, 2_000];
  const stack = await startStack({
    label: 'bench-pipeline',
    workers: 0,
    web: true,
    webInstances: 2,
  });
  const webStats = sampleProcesses(
    stack.webs.map((w, i) => ({ name: `web-${i + 1}`, pid: w.pid! })),
  );
  const children: Child[] = [];
  const start = async (script: string, config: ProducerConfig | WatcherConfig) => {
    const child = await Child.start(script, [JSON.stringify(config)]);
    children.push(child);
    return child;
  };
  const steps: Step[] = [];
  try {
    const { engine, env, token, baseUrls } = stack;
    await saveTeam(engine, { source: TEAM });
    const spawn = async (n: number) => {
      const runs: ProducerConfig['runs'] = [];
      for (let i = 0; i < n; i++) {
        const { runId } = await spawnRun(engine, {
          teamSlug: 'pipeline-bench',
          goal: `Pipeline ${i}`,
          by: { kind: 'system', id: 'bench' },
        });
        const spawned = (await readAllEvents(engine.db, runId)).find(
          (e) => e.type === 'agent.spawned',
        )!;
        runs.push({ runId, agentId: spawned.agentId!, traceId: spawned.traceId });
      }
      return runs;
    };
    const producerFor = (mode: ProducerConfig['mode'], runs: ProducerConfig['runs']) =>
      start('pipeline/producer.ts', {
        mode,
        databaseUrl: env.DATABASE_URL!,
        redisUrl: env.REDIS_URL!,
        queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX!,
        workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT!,
        runs,
      });
    const scenario = async (
      name: string,
      mode: ProducerConfig['mode'],
      urls: string[],
      runCount: number,
      clients: number,
      sweepRates: number[],
    ) => {
      const runs = await spawn(runCount);
      const runIds = runs.map((r) => r.runId);
      const producer = await producerFor(mode, runs);
      const watchers = await start('pipeline/watchers.ts', { urls, token, runIds, clients });
      const result = await sweep(name, producer, watchers, runIds, clients, sweepRates, durationMs);
      producer.stop();
      watchers.stop();
      steps.push(...result);
      return result;
    };

    // The raw relay first, on the same machine, Redis and clients.
    const rawPort = await freePort();
    const relay = await Child.start('raw/relay-server.ts', [redisUrl(), String(rawPort)]);
    children.push(relay);
    const raw = await scenario(
      'raw relay, 1 watcher',
      'raw',
      [`http://127.0.0.1:${rawPort}`],
      RUNS,
      1,
      rawRates,
    );
    relay.stop();

    const one = await scenario('pipeline, 1 watcher', 'pipeline', baseUrls, RUNS, 1, rates);
    const twenty = await scenario('pipeline, 20 watchers', 'pipeline', baseUrls, RUNS, 20, rates);
    const fanout = await scenario(
      'fan-out, 20 on one run',
      'pipeline',
      baseUrls,
      1,
      20,
      fanoutRates,
    );

    console.log(table(steps.map((s) => ({ ...s, sustained: s.sustained ? 'yes' : 'NO' }))));
    const rawCeiling = best(raw);
    const pipelineCeiling = best(one);
    const at5k = at(one, 5_000);
    saveDetail('pipeline', { steps });
    return {
      step_seconds: durationMs / 1000,
      runs: RUNS,
      web_instances: baseUrls.length,
      events_per_s: pipelineCeiling,
      raw_relay_events_per_s: rawCeiling,
      ratio_vs_raw: rawCeiling ? round(pipelineCeiling / rawCeiling) : 0,
      /** Whether each ladder reached a step it could not sustain (else its ceiling is only a floor). */
      raw_relay_saturated: raw.some((s) => !s.sustained) ? 'yes' : 'no',
      pipeline_saturated: one.some((s) => !s.sustained) ? 'yes' : 'no',
      p50_ms_at_5k: at5k?.p50_ms ?? Number.NaN,
      p99_ms_at_5k: at5k?.p99_ms ?? Number.NaN,
      watchers20_deliveries_per_s: best(twenty),
      fanout20_deliveries_per_s: best(fanout),
      fanout20_p99_ms: fanout.filter((s) => s.sustained).at(-1)?.p99_ms ?? Number.NaN,
      /** Committed events that never reached a watcher, over every step with persistence. */
      lost: [...one, ...twenty, ...fanout].reduce((n, s) => n + s.lost, 0),
      /** The two web instances over the whole run (the raw relay's steps included: they idle then). */
      ...memoryFigures('web', webStats.stop().summary),
    };
  } finally {
    for (const child of children) child.stop();
    await stack.stop();
  }
}
