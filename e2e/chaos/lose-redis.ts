/**
 * Chaos: Redis loses everything Flightdeck keeps in it while runs execute —
 * every key of the stack's prefix (the BullMQ queues with their waiting,
 * delayed and active jobs, run slots, locks) is deleted at a random moment,
 * twice. PostgreSQL holds the truth, so the workers' reconciler must
 * re-enqueue every run that has not ended, and every run must still finish,
 * with a gapless log. (The stack's own prefix rather than FLUSHALL: the Redis
 * of this machine is shared with other stacks.)
 */
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { reduceEvents } from '@flightdeck/domain';
import { createEngine, saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { seededRandom, startApp, stopAll } from '../lib/processes';

export interface LoseRedisOptions {
  runs: number;
  seed: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface LoseRedisReport {
  seed: number;
  runs: number;
  flushes: number;
  keys_deleted: number;
  completed: number;
  failed: number;
  unsettled: number;
  seq_gaps: number;
  duration_ms: number;
  problems: string[];
}

const TEAM = `
name: lose-redis
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list]
    delegates: [worker-a, worker-b]
  worker-a:
    role: Worker A
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list]
  worker-b:
    role: Worker B
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list]
simulation: { latencyMs: 200, errorRate: 0, minSteps: 3, maxSteps: 5 }
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;

export async function loseRedis(options: LoseRedisOptions): Promise<LoseRedisReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(options.seed);
  const started = Date.now();
  const database = await createMigratedTestDatabase('chaos-redis');
  const prefix = `{${uniqueRedisPrefix('chaos-redis')}}`;
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    FLIGHTDECK_QUEUE_PREFIX: prefix,
    FLIGHTDECK_WORKSPACE_ROOT: path.join(
      await mkdtemp(path.join(tmpdir(), 'fd-chaos-redis-')),
      'ws',
    ),
    WORKER_CONCURRENCY: '20',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1500',
    RECONCILE_INTERVAL_MS: '2000',
    LOG_LEVEL: 'error',
  };
  const engine = await createEngine({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    queuePrefix: prefix,
    workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT,
  });
  const workers = [startApp('worker', env), startApp('worker', env)];
  const problems: string[] = [];
  const report = {
    flushes: 0,
    keys_deleted: 0,
    completed: 0,
    failed: 0,
    unsettled: 0,
    seq_gaps: 0,
  };
  try {
    await saveTeam(engine, { source: TEAM });
    const runIds: string[] = [];
    for (let i = 0; i < options.runs; i++) {
      const { runId } = await spawnRun(engine, {
        teamSlug: 'lose-redis',
        goal: `Lose Redis ${i}`,
        by: { kind: 'system', id: 'chaos' },
        seed: options.seed + i,
      });
      runIds.push(runId);
    }
    const active = async () =>
      (
        await engine.db.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM runs WHERE status IN ('pending', 'running', 'paused')",
        )
      ).rows[0]!.n;
    // Two flushes while runs are in flight.
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 1_000 + random() * 2_000));
      if ((await active()) === 0) break;
      let cursor = '0';
      do {
        const [next, keys] = await engine.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) report.keys_deleted += await engine.redis.del(...keys);
      } while (cursor !== '0');
      report.flushes++;
      log(`  flushed ${report.keys_deleted} keys so far, ${await active()} runs active`);
    }
    const deadline = started + options.timeoutMs;
    while (Date.now() < deadline && (await active()) > 0)
      await new Promise((r) => setTimeout(r, 500));

    for (const runId of runIds) {
      const events = await readAllEvents(engine.db, runId);
      if (events.some((e, i) => e.seq !== i + 1)) {
        report.seq_gaps++;
        problems.push(`run ${runId}: gap in seq`);
      }
      const status = reduceEvents(events).status;
      if (status === 'completed') report.completed++;
      else if (status === 'failed') report.failed++;
      else {
        report.unsettled++;
        problems.push(`run ${runId}: still ${status} after the flushes (not re-enqueued?)`);
      }
    }
    return {
      seed: options.seed,
      runs: options.runs,
      ...report,
      duration_ms: Date.now() - started,
      problems,
    };
  } finally {
    await stopAll(workers);
    await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
    await engine.close();
    await database.drop();
  }
}
