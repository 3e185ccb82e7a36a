/**
 * Chaos: kill -9 worker processes at random points while runs execute, many of
 * the kills inside a (non-idempotent) tool call, restart them, and check what
 * must hold: every run ends completed, failed or killed, or waits for a human;
 * no gap in any run's seq; no non-idempotent tool executed twice (counted by a
 * sink this harness owns, outside Flightdeck).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { reduceEvents, type RunState } from '@flightdeck/domain';
import { createEngine, type Engine, resolveToolCall, saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { listProcesses, seededRandom, startApp, stopAll } from '../lib/processes';
import { repeatedSideEffects, SINK_SCRIPT, sinkTeam } from './sink-team';

/** A worker restarted by the scenario needs a few seconds to load and take jobs before it may be killed again. */
const MIN_WORKER_AGE_MS = 4_000;

export interface CrashWorkersOptions {
  runs: number;
  seed: number;
  /** Fail unless at least this share of runs had a worker killed inside one of their tool calls. */
  minShareHitInTool: number;
  /** How long workers are killed for (then no more kills, until every run settles or the timeout). */
  killForMs: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface CrashWorkersReport {
  seed: number;
  runs: number;
  kills: number;
  kills_in_tool_call: number;
  runs_hit_in_tool_call: number;
  human_decisions: number;
  completed: number;
  failed: number;
  killed: number;
  waiting_for_human: number;
  unsettled: number;
  seq_gaps: number;
  reducer_errors: number;
  repeated_side_effects: number;
  duration_ms: number;
  problems: string[];
}

type Settled = 'completed' | 'failed' | 'killed' | 'waiting_for_human';

function settledAs(state: RunState): Settled | null {
  if (state.status === 'completed' || state.status === 'failed' || state.status === 'killed')
    return state.status;
  const agents = Object.values(state.agents);
  const blocked = agents.some((a) => a.status === 'blocked');
  const moving = agents.some((a) => a.status === 'ready' || (a.status === 'running' && !a.pause));
  return blocked && !moving ? 'waiting_for_human' : null;
}

export async function crashWorkers(options: CrashWorkersOptions): Promise<CrashWorkersReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(options.seed);
  const started = Date.now();
  const database = await createMigratedTestDatabase('chaos');
  const scratch = await mkdtemp(path.join(tmpdir(), 'fd-chaos-'));
  const sinkFile = path.join(scratch, 'sink.log');
  await writeFile(sinkFile, '');
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    FLIGHTDECK_QUEUE_PREFIX: `{${uniqueRedisPrefix('chaos')}}`,
    FLIGHTDECK_WORKSPACE_ROOT: path.join(scratch, 'workspaces'),
    WORKER_CONCURRENCY: '20',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1500',
    RECONCILE_INTERVAL_MS: '3000',
    LOG_LEVEL: 'error',
  };
  const engine: Engine = await createEngine({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX,
    workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT,
  });
  const workers: Array<ChildProcess | null> = [startApp('worker', env), startApp('worker', env)];
  /** When each worker slot's process started: a worker is killed only once it has had time to work. */
  const bornAt = workers.map(() => Date.now());
  const problems: string[] = [];
  let kills = 0;
  let killsInTool = 0;
  const hitRuns = new Set<string>();
  const restarts = new Set<NodeJS.Timeout>();
  const settled = new Map<string, Settled>();
  let decisions = 0;
  const human = { kind: 'user', id: 'chaos-operator' } as const;

  try {
    await saveTeam(engine, {
      source: sinkTeam(
        'chaos-team',
        sinkFile,
        // Model calls slow enough that the runs outlive a restarted worker's first seconds (a
        // worker is killed only once it is MIN_WORKER_AGE_MS old): with 60 ms, once turns got
        // faster, the quick suite's runs all ended before the first kill.
        '{ latencyMs: 400, errorRate: 0.1, minSteps: 3, maxSteps: 5 }',
      ),
    });
    const runIds: string[] = [];
    for (let i = 0; i < options.runs; i++) {
      const { runId } = await spawnRun(engine, {
        teamSlug: 'chaos-team',
        goal: `Chaos run ${i}`,
        by: { kind: 'system', id: 'chaos' },
        seed: options.seed + i,
      });
      runIds.push(runId);
    }
    log(`spawned ${options.runs} runs; seed ${options.seed}`);

    /** Runs with a shell call dispatched and not finished, by the token in its command. */
    const openCallRuns = async (): Promise<Map<string, string>> => {
      const open = new Map<string, string>();
      for (const runId of runIds) {
        if (settled.has(runId)) continue;
        const events = await readAllEvents(engine.db, runId);
        const finished = new Set(
          events.flatMap((e) =>
            e.type === 'tool.call.finished' || e.type === 'tool.call.interrupted'
              ? [e.payload.callId]
              : [],
          ),
        );
        for (const e of events) {
          if (
            e.type === 'tool.call.dispatched' &&
            e.payload.tool === 'shell' &&
            !finished.has(e.payload.callId)
          ) {
            open.set(String(e.payload.args.command).split(' ').at(-1) ?? '', runId);
          }
        }
      }
      return open;
    };

    const deadline = started + options.timeoutMs;
    while (Date.now() < deadline) {
      for (const runId of runIds) {
        if (settled.has(runId)) continue;
        const state = reduceEvents(await readAllEvents(engine.db, runId));
        const as = settledAs(state);
        if (as === 'waiting_for_human') {
          // A human decides each interrupted call: skip it or mark it done (never "retry": that would repeat it on purpose).
          for (const agent of Object.values(state.agents)) {
            for (const call of agent.turn?.toolCalls ?? []) {
              if (call.status !== 'interrupted') continue;
              const resolution = random() < 0.5 ? 'skip' : 'mark-done';
              await resolveToolCall(engine, {
                runId,
                agentId: agent.id,
                callId: call.callId,
                by: human,
                resolution,
                output: 'checked by hand',
              });
              decisions += 1;
            }
          }
        } else if (as) settled.set(runId, as);
      }
      if (settled.size === runIds.length) break;

      await new Promise((r) => setTimeout(r, 600 + random() * 1400));
      // Kills for `killForMs`; then the runs must finish on their own.
      if (Date.now() > started + options.killForMs) continue;
      const live = workers.flatMap((w, slot) =>
        w?.pid && w.exitCode === null && Date.now() - bornAt[slot]! > MIN_WORKER_AGE_MS
          ? [{ w, slot, pid: w.pid }]
          : [],
      );
      if (live.length === 0) continue;
      // Prefer a worker that is inside a sink call of a run not yet hit; otherwise kill at random.
      const sinks = listProcesses().filter((p) => p.cmdline.includes(SINK_SCRIPT));
      const open = sinks.length ? await openCallRuns() : new Map<string, string>();
      const inTool = sinks
        .map((s) => ({
          s,
          runId: open.get(s.cmdline.split(' ').at(-1) ?? ''),
          victim: live.find((l) => l.pid === s.ppid),
        }))
        .filter((c) => c.runId && c.victim);
      const fresh = inTool.filter((c) => !hitRuns.has(c.runId!));
      const choice = fresh[0] ?? (random() < 0.5 ? inTool[0] : undefined);
      const victim = choice?.victim ?? live[Math.floor(random() * live.length)]!;
      if (!choice && random() < 0.5) continue; // not every pause ends in a kill
      process.kill(victim.pid, 'SIGKILL');
      kills += 1;
      // Every run with a tool call in flight in the killed worker was hit inside a tool call.
      const hit = inTool.filter((c) => c.victim?.pid === victim.pid).map((c) => c.runId!);
      if (hit.length) killsInTool += 1;
      for (const runId of hit) hitRuns.add(runId);
      workers[victim.slot] = null;
      const slot = victim.slot;
      const timer = setTimeout(
        () => {
          restarts.delete(timer);
          workers[slot] = startApp('worker', env);
          bornAt[slot] = Date.now();
        },
        200 + random() * 600,
      );
      restarts.add(timer);
    }

    // Verify what must hold.
    const report = {
      human_decisions: decisions,
      completed: 0,
      failed: 0,
      killed: 0,
      waiting_for_human: 0,
      unsettled: 0,
      seq_gaps: 0,
      reducer_errors: 0,
    };
    for (const runId of runIds) {
      const events = await readAllEvents(engine.db, runId);
      if (events.some((e, i) => e.seq !== i + 1)) {
        report.seq_gaps += 1;
        problems.push(`run ${runId}: gap in seq`);
      }
      try {
        const as = settledAs(reduceEvents(events));
        if (as) report[as === 'waiting_for_human' ? 'waiting_for_human' : as] += 1;
        else {
          report.unsettled += 1;
          const state = reduceEvents(events);
          // Where it stands, to tell a stuck run from a slow one.
          const agents = Object.values(state.agents)
            .map((a) => `${a.name}:${a.status}${a.turn ? `@t${a.turn.turn}` : ''}`)
            .join(' ');
          const tail = events
            .slice(-4)
            .map(
              (e) =>
                `${e.seq} ${e.type} ${Math.round((Date.now() - Date.parse(e.at)) / 1000)}s ago`,
            )
            .join('; ');
          problems.push(
            `run ${runId}: did not settle (${state.status}; agents ${agents}; last events ${tail})`,
          );
        }
      } catch (error) {
        report.reducer_errors += 1;
        problems.push(`run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const repeats = await repeatedSideEffects(sinkFile);
    const repeated = repeats.length;
    if (repeated)
      problems.push(`${repeated} side effects executed more than once: ${repeats.join(', ')}`);
    if (kills === 0) problems.push('no worker was killed: every run ended before the first kill');
    const share = hitRuns.size / options.runs;
    if (share < options.minShareHitInTool) {
      problems.push(
        `only ${hitRuns.size} of ${options.runs} runs had a worker killed inside a tool call (wanted ${Math.ceil(options.minShareHitInTool * options.runs)})`,
      );
    }
    return {
      seed: options.seed,
      runs: options.runs,
      kills,
      kills_in_tool_call: killsInTool,
      runs_hit_in_tool_call: hitRuns.size,
      ...report,
      repeated_side_effects: repeated,
      duration_ms: Date.now() - started,
      problems,
    };
  } finally {
    for (const timer of restarts) clearTimeout(timer);
    await stopAll(workers.filter((w): w is ChildProcess => w !== null));
    await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
    await engine.close();
    await database.drop();
  }
}
