/**
 * Chaos: Redis restarts while runs execute. The stack (web and two workers)
 * runs on a Redis of its own, which is killed and started again on the same
 * port, empty (no persistence: the restart is also a flush), at random
 * moments. No Flightdeck process is restarted: the workers must reconnect and
 * consume again, the reconciler must re-enqueue every run from PostgreSQL,
 * the web must serve the API, enqueue spawns and relay live events to the
 * sockets watching runs. Then: every run completed, every log gapless (seq
 * 1..n) and reducing to the stored status, no non-idempotent tool executed
 * twice (counted by a sink outside Flightdeck), every process still the one
 * started.
 */
import { io, type Socket } from 'socket.io-client';
import { seededRandom } from '../lib/processes';
import { startPrivateRedis } from '../lib/services';
import type { Stack } from '../lib/stack';
import { trpcMutation, trpcQuery, timedFetch } from './http';
import { checkRunLogs, describeStuck } from './invariants';
import { repeatedSideEffects, startSinkStack } from './sink-team';

export interface RestartRedisOptions {
  seed: number;
  runs: number;
  restarts: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface RestartRedisReport {
  seed: number;
  runs: number;
  restarts: number;
  spawned_over_http: number;
  completed: number;
  failed: number;
  unsettled: number;
  seq_gaps: number;
  status_mismatches: number;
  half_written: number;
  repeated_side_effects: number;
  /** Runs watched over a socket that moved after the last restart, and how many of them got live events after it. */
  watched_runs_moved: number;
  watched_runs_live_after: number;
  processes_exited: number;
  /** From the last restart until every run had ended (or the timeout). */
  recovery_ms: number;
  duration_ms: number;
  problems: string[];
}

const SLUG = 'restart-redis';

const ACTIVE =
  "SELECT count(*)::int AS n FROM runs WHERE status IN ('pending', 'running', 'paused')";

export async function restartRedis(options: RestartRedisOptions): Promise<RestartRedisReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(options.seed);
  const started = Date.now();
  const problems: string[] = [];
  const redis = await startPrivateRedis();
  const sockets: Socket[] = [];
  let stack: Stack | null = null;
  try {
    const sink = await startSinkStack({
      label: 'chaos-restart-redis',
      slug: SLUG,
      servers: { redisUrl: redis.url },
      simulation: '{ latencyMs: 250, errorRate: 0, minSteps: 3, maxSteps: 5 }',
      runs: options.runs,
      seed: options.seed,
      goal: 'Restart Redis',
    });
    stack = sink.stack;
    const { scratch, sinkFile, runIds } = sink;
    const { engine, token } = stack;
    const baseUrl = stack.baseUrl!;
    const children = [...stack.workers];
    log(`  spawned ${options.runs} runs; redis on port ${redis.port}; logs in ${scratch}`);

    // A socket watches every run: live events must keep coming through the web after a restart.
    const live = new Map<string, number[]>();
    const watch = async (socket: Socket, runId: string) => {
      const ack = (await socket
        .timeout(5_000)
        .emitWithAck('run.watch', { runId, afterSeq: 0 })) as {
        ok: boolean;
        error?: string;
      };
      if (!ack.ok) problems.push(`run.watch ${runId} refused: ${ack.error ?? '?'}`);
    };
    const socket = io(baseUrl, { transports: ['websocket'], auth: { token } });
    sockets.push(socket);
    socket.on('run.events', (message: { runId: string; events: Array<{ seq: number }> }) => {
      const seen = live.get(message.runId) ?? [];
      for (const e of message.events) seen.push(e.seq);
      live.set(message.runId, seen);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    for (const runId of runIds) await watch(socket, runId);

    const active = async () => (await engine.db.pool.query<{ n: number }>(ACTIVE)).rows[0]!.n;
    const lastSeqs = async () =>
      new Map(
        (
          await engine.db.pool.query<{ id: string; last_seq: number }>(
            'SELECT id, last_seq FROM runs',
          )
        ).rows.map((r) => [r.id, Number(r.last_seq)]),
      );
    let restarts = 0;
    let spawnedOverHttp = 0;
    let atLastRestart = new Map<string, number>();
    let lastRestartAt = Date.now();
    for (let i = 0; i < options.restarts; i++) {
      await new Promise((r) => setTimeout(r, 1_500 + random() * 2_000));
      if ((await active()) === 0) break;
      atLastRestart = await lastSeqs();
      await redis.restart(500 + random() * 1_000);
      lastRestartAt = Date.now();
      restarts++;
      log(`  redis restarted (${restarts}), ${await active()} runs active`);
      // The web enqueues through its own Redis connections: a spawn over HTTP after the restart
      // (retried for a few seconds while its connections come back) must start a run that ends.
      let spawned: string | null = null;
      const deadline = Date.now() + 15_000;
      let last = '';
      while (!spawned && Date.now() < deadline) {
        const answer = await trpcMutation(
          baseUrl,
          token,
          'runs.spawn',
          { teamSlug: SLUG, goal: `Spawned after restart ${restarts}` },
          5_000,
        );
        if (answer.status === 200) {
          spawned = (JSON.parse(answer.body!) as { result: { data: { runId: string } } }).result
            .data.runId;
        } else {
          last = `${answer.status ?? answer.error} ${answer.body ?? ''}`;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      if (!spawned) problems.push(`runs.spawn over HTTP after restart ${restarts}: ${last}`);
      else {
        runIds.push(spawned);
        spawnedOverHttp++;
        await watch(socket, spawned).catch((error: unknown) =>
          problems.push(`run.watch after restart ${restarts}: ${String(error)}`),
        );
      }
    }

    const deadline = lastRestartAt + options.timeoutMs;
    while (Date.now() < deadline && (await active()) > 0)
      await new Promise((r) => setTimeout(r, 500));
    const recoveryMs = Date.now() - lastRestartAt;

    const logs = await checkRunLogs(engine, runIds);
    problems.push(...logs.problems);
    let completed = 0;
    let failed = 0;
    let unsettled = 0;
    for (const runId of runIds) {
      const status = logs.states.get(runId)?.status;
      if (status === 'completed') completed++;
      else if (status === 'failed') {
        failed++;
        problems.push(`run ${runId} failed`);
      } else {
        unsettled++;
        const state = logs.states.get(runId);
        problems.push(
          `run ${runId}: still ${status ?? 'missing'} after the restarts${state ? `: ${await describeStuck(engine, state)}` : ''}`,
        );
      }
    }

    // Live events after the last restart: every watched run whose log moved since must have had some relayed.
    await new Promise((r) => setTimeout(r, 500)); // the last publishes land
    let moved = 0;
    let liveAfter = 0;
    const finalSeqs = await lastSeqs();
    for (const runId of runIds) {
      const before = atLastRestart.get(runId) ?? 0;
      if ((finalSeqs.get(runId) ?? 0) <= before) continue;
      moved++;
      if ((live.get(runId) ?? []).some((seq) => seq > before)) liveAfter++;
      else
        problems.push(
          `run ${runId}: no live event on its socket after the last restart (seq ${before} → ${finalSeqs.get(runId)})`,
        );
    }

    const repeated = await repeatedSideEffects(sinkFile);
    if (repeated.length)
      problems.push(
        `${repeated.length} side effects executed more than once: ${repeated.join(', ')}`,
      );

    // The same processes, still up and serving.
    let exited = 0;
    for (const child of children)
      if (child.exitCode !== null || child.signalCode !== null) {
        exited++;
        problems.push(`a worker exited (${child.exitCode ?? child.signalCode})`);
      }
    const ready = await timedFetch(`${baseUrl}/readyz`, { timeoutMs: 5_000 });
    if (ready.status !== 200) {
      exited++;
      problems.push(
        `web /readyz after the restarts: ${ready.status ?? ready.error} ${ready.body ?? ''}`,
      );
    }
    const list = await trpcQuery(baseUrl, token, 'runs.list', {}, 5_000);
    if (list.status !== 200)
      problems.push(`runs.list after the restarts: ${list.status ?? list.error}`);

    return {
      seed: options.seed,
      runs: runIds.length,
      restarts,
      spawned_over_http: spawnedOverHttp,
      completed,
      failed,
      unsettled,
      seq_gaps: logs.seq_gaps,
      status_mismatches: logs.status_mismatches,
      half_written: logs.half_written,
      repeated_side_effects: repeated.length,
      watched_runs_moved: moved,
      watched_runs_live_after: liveAfter,
      processes_exited: exited,
      recovery_ms: recoveryMs,
      duration_ms: Date.now() - started,
      problems,
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await stack?.stop();
    await redis.stop();
  }
}
