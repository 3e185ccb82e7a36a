import { runTurn, type TurnDependencies } from '@flightdeck/agents';
import {
  createProcessor,
  createRedis,
  publishControlAck,
  requeuePendingTurns,
  QUEUES,
  subscribeControl,
} from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import { DelayedError, Worker } from 'bullmq';

const RECHECK_AFTER = new Set<string>(['blocked', 'aborted', 'stale', 'waiting']);

/** How long a turn deferred by the run's concurrency cap waits before it is tried again. */
const DEFER_MS = 200;

export interface TurnWorker {
  worker: Worker;
  /** Turns this process is running now, by run. */
  activeTurns(): number;
  close(): Promise<void>;
}

/**
 * A BullMQ consumer of agent turns, plus this process's ear on the control
 * channel: a kill aborts every turn of the run running here, through the
 * processor's AbortSignal (model request aborted, tools stopped).
 */
export async function startTurnWorker(
  deps: Omit<TurnDependencies, 'log'> & { log: Logger },
  options: {
    concurrency: number;
    name: string;
    lockDurationMs?: number;
    stalledIntervalMs?: number;
  },
): Promise<TurnWorker> {
  const { engine, log } = deps;
  /** Turns running in this process: run → job id → agent. */
  const activeByRun = new Map<string, Map<string, string>>();
  /**
   * Turns that ended without queueing what comes next (parked on a human,
   * aborted by a pause, stale): a decision or resume that arrived while the
   * job was still active could not replace it, so once BullMQ has marked it
   * completed the agent is looked at again and queued if it can go on.
   */
  const parked = new Map<string, { runId: string; agentId: string }>();

  const processor = createProcessor({
    'agent.turn': async (payload, { job, token, signal }) => {
      const jobId = job.id ?? '';
      const active = activeByRun.get(payload.runId) ?? new Map<string, string>();
      active.set(jobId, payload.agentId);
      activeByRun.set(payload.runId, active);
      try {
        const { outcome, retryAt } = await runTurn(
          deps,
          payload,
          signal ?? new AbortController().signal,
        );
        log.debug('turn done', { ...payload, outcome, worker: options.name });
        if (RECHECK_AFTER.has(outcome)) parked.set(jobId, payload);
        if (outcome === 'deferred' || outcome === 'provider-wait') {
          // Park the job without holding this worker's slot; it runs again when a run slot may be
          // free, or when the provider's breaker lets a probe through.
          const at = outcome === 'provider-wait' && retryAt ? retryAt : Date.now() + DEFER_MS;
          await job.moveToDelayed(at + Math.floor(Math.random() * DEFER_MS), token);
          throw new DelayedError();
        }
      } catch (error) {
        if (error instanceof DelayedError) throw error;
        log.error('turn failed', { ...payload, attempt: job.attemptsMade + 1, error });
        throw error;
      } finally {
        active.delete(jobId);
        if (active.size === 0) activeByRun.delete(payload.runId);
      }
    },
  });

  const worker = new Worker(QUEUES.turns, processor, {
    connection: createRedis(engine.config.redisUrl, `${options.name}:bullmq`, {
      maxRetriesPerRequest: null,
    }),
    prefix: engine.config.queuePrefix,
    concurrency: options.concurrency,
    name: options.name,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    // Turns resume from the log, so a turn whose worker died may be picked up again and again.
    maxStalledCount: 100,
  });
  worker.on('completed', (job) => {
    const turn = job.id ? parked.get(job.id) : undefined;
    if (!turn || !job.id) return;
    parked.delete(job.id);
    requeuePendingTurns(engine, turn.runId, [turn.agentId]).catch((error: unknown) =>
      log.warn('re-queue after a parked turn failed; the reconciler will', { ...turn, error }),
    );
  });
  worker.on('error', (error) => log.error('worker error', { error }));
  worker.on('failed', (job, error) => {
    if (job && error.name === 'UnrecoverableError')
      log.error('job rejected', { jobId: job.id, name: job.name, error });
  });

  const subscriber = createRedis(engine.config.redisUrl, `${options.name}:control`);
  await subscribeControl(
    subscriber,
    (message) => {
      let aborted = 0;
      for (const [jobId, agentId] of activeByRun.get(message.runId) ?? []) {
        if (message.type === 'run.abort' || message.agentIds.includes(agentId))
          aborted += worker.cancelJob(jobId, message.reason) ? 1 : 0;
      }
      const ack = {
        runId: message.runId,
        worker: options.name,
        aborted,
        at: performance.timeOrigin + performance.now(),
      };
      publishControlAck(engine.redis, ack).catch((error: unknown) =>
        log.warn('control ack failed', { error }),
      );
    },
    (raw, error) =>
      log.warn('ignored malformed control message', { raw: raw.slice(0, 200), error }),
  );
  await worker.waitUntilReady();

  return {
    worker,
    activeTurns: () => [...activeByRun.values()].reduce((n, s) => n + s.size, 0),
    async close() {
      subscriber.disconnect();
      await worker.close();
    },
  };
}
