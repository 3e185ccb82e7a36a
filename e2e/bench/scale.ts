/**
 * `npm run bench -- scale`: many agents at once on one machine. 1,000
 * simulated agents (100 teams of a lead that delegates to 9 subagents at its
 * first turn; `--quick`: 100 agents) with a zero-latency simulated model, on 2
 * worker processes and 2 web instances, watched by 20 Socket.IO protocol
 * clients (Node clients speaking the browser's protocol, not Chromium tabs),
 * spread over both web instances, each run watched by 2 clients, one on each
 * instance. The subagents have far more work than the window lasts, so every
 * agent stays alive; after the window every run is killed.
 *  - turns/s: turns started in the window (from PostgreSQL);
 *  - event latency: from the commit (seen as the worker's publish on the run's
 *    Redis channel, which follows the commit at once) to receipt at a watching
 *    client; also from the event's own timestamp (taken before its append);
 *  - CPU (% of a core) and RSS per process (each web, each worker, the
 *    clients, this process), PostgreSQL's backends for this database and the
 *    shared Redis server, sampled from /proc: where it saturates.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { killRun, saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl } from '@flightdeck/testing';
import { Redis } from 'ioredis';
import { startStack } from '../lib/stack';
import { saveDetail } from './lib/detail';
import {
  MACHINE,
  postgresBackendsOf,
  type ProcessSummary,
  redisServer,
  sampleProcesses,
  type Target,
} from './lib/process-stats';
import { percentile, round, table } from './lib/stats';
import type { BenchOptions, BenchResult } from './registry';
import { workTeam } from './lib/work-team';
import { assignRuns, diagnose } from './scale/analysis';
import type { ScaleArrivals, ScaleWatcherConfig } from './scale/watchers';

const AGENTS_PER_RUN = 10;
const WORKER_PROCESSES = 2;
const WEB_INSTANCES = 2;
const CONCURRENCY_PER_PROCESS = 50;
const CLIENTS = 20;
const WORK_STEPS = 50; // the most a simulation allows: more than a window lasts at these rates

const now = () => performance.timeOrigin + performance.now();
const ENDED = new Set(['agent.finished', 'agent.failed', 'agent.killed']);

export async function scaleBench({ quick }: BenchOptions): Promise<BenchResult> {
  const agents = quick ? 100 : 1_000;
  const runCount = agents / AGENTS_PER_RUN;
  const windowMs = quick ? 10_000 : 60_000;
  const loadBefore = loadavg()[0]!;
  const stack = await startStack({
    label: 'bench-scale',
    workers: WORKER_PROCESSES,
    web: true,
    webInstances: WEB_INSTANCES,
    workerEnv: { WORKER_CONCURRENCY: String(CONCURRENCY_PER_PROCESS) },
  });
  const { engine, token, baseUrls } = stack;
  const database = new URL(stack.env.DATABASE_URL!).pathname.slice(1);
  let watchers: ChildProcess | null = null;
  const observer = new Redis(redisUrl());
  const runIds: string[] = [];
  try {
    // The commit observer: every event of our runs, as the workers publish it after the commit.
    const ours = new Set<string>();
    let spawning = true;
    const early: Array<[string, string, number]> = [];
    const published = new Map<string, Map<number, number>>();
    let live = 0;
    let livePeak = 0;
    let spawnedTotal = 0;
    let endedTotal = 0;
    const liveSeries: Array<[number, number]> = [];
    const note = (runId: string, raw: string, at: number) => {
      const { events } = JSON.parse(raw) as { events: Array<{ seq: number; type: string }> };
      let seqs = published.get(runId);
      if (!seqs) published.set(runId, (seqs = new Map<number, number>()));
      for (const event of events) {
        seqs.set(event.seq, at);
        if (event.type === 'agent.spawned') {
          live++;
          spawnedTotal++;
        } else if (ENDED.has(event.type)) {
          live--;
          endedTotal++;
        }
      }
      livePeak = Math.max(livePeak, live);
    };
    observer.on('pmessage', (_p, channel: string, raw: string) => {
      const at = now();
      const runId = channel.slice('fd:run:'.length);
      if (ours.has(runId)) note(runId, raw, at);
      else if (spawning) early.push([runId, raw, at]);
    });
    await observer.psubscribe('fd:run:*');

    await saveTeam(engine, { source: workTeam('scale-bench', AGENTS_PER_RUN, WORK_STEPS) });
    const t0 = now();
    for (let i = 0; i < runCount; i++) {
      const { runId } = await spawnRun(engine, {
        teamSlug: 'scale-bench',
        goal: `Scale ${i}`,
        by: { kind: 'system', id: 'bench' },
      });
      runIds.push(runId);
      ours.add(runId);
    }
    spawning = false;
    for (const [runId, raw, at] of early) if (ours.has(runId)) note(runId, raw, at);
    early.length = 0;
    console.log(`spawned ${runCount} runs in ${((now() - t0) / 1000).toFixed(1)} s`);

    const assignment = assignRuns(runIds, CLIENTS);
    const config: ScaleWatcherConfig = {
      token,
      clients: assignment.map((ids, c) => ({ url: baseUrls[c % baseUrls.length]!, runIds: ids })),
    };
    const child = fork(
      path.join(import.meta.dirname, 'scale', 'watchers.ts'),
      [JSON.stringify(config)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    watchers = child;
    const ask = <T>(message: unknown) =>
      new Promise<T>((resolve, reject) => {
        child.once('message', (m) => resolve(m as T));
        child.once('exit', (code) => reject(new Error(`watchers exited (${code})`)));
        if (message) child.send(message);
      });
    await ask<{ kind: 'ready' }>(null);
    console.log(`${CLIENTS} watching clients ready; ${live} agents live`);
    // Ramp: the leads delegate at their first turn; the window starts once every agent lives
    // (or the count stops growing for 10 s, or the ramp's time is up).
    const rampEnd = now() + (quick ? 15_000 : 90_000);
    let grewAt = now();
    let seen = live;
    while (live < agents && now() < rampEnd && now() - grewAt < 10_000) {
      await new Promise((r) => setTimeout(r, 250));
      if (live > seen) [seen, grewAt] = [live, now()];
    }
    const rampS = (now() - t0) / 1000;
    console.log(`ramp: ${live} agents live ${rampS.toFixed(1)} s after the first spawn`);

    const targets: Target[] = [
      ...stack.webs.map((w, i) => ({ name: `web-${i + 1}`, pid: w.pid! })),
      ...stack.workers.map((w, i) => ({ name: `worker-${i + 1}`, pid: w.pid! })),
      { name: 'clients', pid: child.pid! },
      { name: 'bench', pid: process.pid },
      { name: 'postgres (this db)', find: postgresBackendsOf(database) },
      { name: 'redis (shared)', find: redisServer },
    ];
    const sampler = sampleProcesses(targets, 1_000);
    const windowStart = now();
    const liveAtStart = live;
    const liveTimer = setInterval(
      () => liveSeries.push([round((now() - windowStart) / 1000, 1), live]),
      1_000,
    );
    let lastTick = windowStart;
    while (now() - windowStart < windowMs) {
      await new Promise((r) => setTimeout(r, Math.min(5_000, windowStart + windowMs - now())));
      const t = now();
      process.stdout.write(
        `${((t - windowStart) / 1000).toFixed(0)} s: ${live} agents live (peak ${livePeak}), load ${loadavg()[0]!.toFixed(1)}\n`,
      );
      lastTick = t;
    }
    const windowEnd = Math.max(lastTick, windowStart + windowMs);
    clearInterval(liveTimer);
    const { series, summary } = sampler.stop();
    const loadAfter = loadavg()[0]!;
    // Let deliveries of the window drain, then collect.
    await new Promise((r) => setTimeout(r, 2_000));
    const { clients } = await ask<ScaleArrivals>({ kind: 'collect' });

    const { rows } = await engine.db.pool.query<{ turns: number; events: number }>(
      `SELECT count(*) FILTER (WHERE type = 'agent.turn.started')::int AS turns, count(*)::int AS events
         FROM events WHERE at >= $1 AND at < $2`,
      [new Date(windowStart), new Date(windowEnd)],
    );
    const seconds = (windowEnd - windowStart) / 1000;
    // Agents that ended or never came: why, from the log.
    const ended = await engine.db.pool.query<{ type: string; why: string | null; n: number }>(
      `SELECT type, left(coalesce(payload->>'error', payload->>'reason', ''), 160) AS why, count(*)::int AS n
         FROM events WHERE type IN ('agent.failed', 'agent.finished', 'run.failed') GROUP BY 1, 2`,
    );
    for (const row of ended.rows) console.log(`${row.n} × ${row.type}: ${row.why ?? ''}`);
    const turnsPerS = rows[0]!.turns / seconds;
    const eventsPerS = rows[0]!.events / seconds;

    // Latency of the live deliveries of events published in the window.
    const latencies: number[] = [];
    const fromAt: number[] = [];
    let lost = 0;
    let expected = 0;
    for (const client of clients) {
      for (const [runId, flat] of Object.entries(client)) {
        const ackAt = flat[0]!;
        const arrived = new Map<number, number>();
        for (let i = 1; i + 2 < flat.length; i += 3) {
          const seq = flat[i]!;
          const at = flat[i + 1]!;
          if (!arrived.has(seq)) arrived.set(seq, at);
          const eventAt = flat[i + 2]!;
          if (eventAt > ackAt && eventAt >= windowStart && eventAt < windowEnd)
            fromAt.push(at - eventAt);
        }
        for (const [seq, publishedAt] of published.get(runId) ?? []) {
          if (publishedAt <= ackAt || publishedAt < windowStart || publishedAt >= windowEnd)
            continue;
          expected++;
          const at = arrived.get(seq);
          if (at === undefined) lost++;
          else latencies.push(Math.max(0, at - publishedAt));
        }
      }
    }
    latencies.sort((a, b) => a - b);
    fromAt.sort((a, b) => a - b);
    const verdict = diagnose(summary, cpus().length);
    console.log(
      table(
        summary.map((s) => ({
          process: s.name,
          cpu_mean_pct: s.cpu_mean_pct,
          cpu_peak_pct: s.cpu_peak_pct,
          runq_wait_pct: s.runq_wait_mean_pct,
          rss_mean_mb: s.rss_mean_mb,
          rss_peak_mb: s.rss_peak_mb,
        })),
      ),
    );
    console.log(
      table([
        {
          agents: `${agents} (peak live ${livePeak})`,
          turns_per_s: round(turnsPerS, 1),
          events_per_s: round(eventsPerS, 1),
          deliveries: latencies.length,
          event_p50_ms: round(percentile(latencies, 50)),
          event_p99_ms: round(percentile(latencies, 99)),
          lost,
        },
      ]),
    );
    console.log(`where it saturates: ${verdict}`);
    const by = (name: string) => summary.find((s) => s.name === name);
    const webs = summary.filter((s) => s.name.startsWith('web-'));
    const workers = summary.filter((s) => s.name.startsWith('worker-'));
    const max = (xs: ProcessSummary[], f: (s: ProcessSummary) => number) =>
      round(Math.max(...xs.map(f)), 1);
    saveDetail('scale', { series, liveSeries, summary, verdict });
    return {
      agents,
      agents_live_peak: livePeak,
      agents_live_at_start: liveAtStart,
      agents_spawned: spawnedTotal,
      agents_ended: endedTotal,
      ramp_s: round(rampS, 1),
      runs: runCount,
      worker_processes: WORKER_PROCESSES,
      web_instances: WEB_INSTANCES,
      watching_clients: CLIENTS,
      window_s: round(seconds, 1),
      turns_per_s: round(turnsPerS, 1),
      events_per_s: round(eventsPerS, 1),
      deliveries: latencies.length,
      event_p50_ms: round(percentile(latencies, 50)),
      event_p99_ms: round(percentile(latencies, 99)),
      event_from_at_p99_ms: round(percentile(fromAt, 99)),
      lost,
      expected_deliveries: expected,
      web_rss_mb: max(webs, (s) => s.rss_peak_mb),
      web_rss_mean_mb: max(webs, (s) => s.rss_mean_mb),
      worker_rss_mb: max(workers, (s) => s.rss_peak_mb),
      worker_rss_mean_mb: max(workers, (s) => s.rss_mean_mb),
      web_cpu_pct: max(webs, (s) => s.cpu_mean_pct),
      worker_cpu_pct: max(workers, (s) => s.cpu_mean_pct),
      web_runq_wait_pct: max(webs, (s) => s.runq_wait_mean_pct),
      worker_runq_wait_pct: max(workers, (s) => s.runq_wait_mean_pct),
      clients_cpu_pct: by('clients')?.cpu_mean_pct ?? Number.NaN,
      postgres_cpu_pct: by('postgres (this db)')?.cpu_mean_pct ?? Number.NaN,
      redis_cpu_pct: by('redis (shared)')?.cpu_mean_pct ?? Number.NaN,
      machine_cpu_pct: by(MACHINE)?.cpu_mean_pct ?? Number.NaN,
      load_avg_before: round(loadBefore, 1),
      load_avg_after: round(loadAfter, 1),
      saturation: verdict,
    };
  } finally {
    observer.disconnect();
    if (watchers?.connected) watchers.disconnect();
    // Every run ends (a few at a time): nothing is left running for the workers' shutdown.
    const queue = [...runIds];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let runId = queue.shift(); runId; runId = queue.shift())
          await killRun(engine, {
            runId,
            by: { kind: 'system', id: 'bench' },
            reason: 'benchmark over',
          }).catch(() => undefined);
      }),
    );
    await stack.stop();
    if (watchers && watchers.exitCode === null && watchers.signalCode === null) watchers.kill();
  }
}
