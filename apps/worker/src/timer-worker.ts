import {
  createProcessor,
  createRedis,
  type Engine,
  expireApproval,
  QUEUES,
  warnApproval,
} from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import { Worker } from 'bullmq';

/** Delayed jobs that fire at a time: approval warnings and expiries. Each is a no-op once the approval is decided. */
export function startTimerWorker(
  engine: Engine,
  log: Logger,
  options: { name: string; concurrency?: number },
): Worker {
  const processor = createProcessor({
    'approval.warn': async (payload) => {
      const outcome = await warnApproval(engine, payload);
      log.debug('approval warn timer', { ...payload, outcome });
    },
    'approval.expire': async (payload) => {
      const outcome = await expireApproval(engine, payload);
      log.info('approval expiry timer', { ...payload, outcome });
    },
  });
  return new Worker(QUEUES.timers, processor, {
    connection: createRedis(engine.config.redisUrl, `${options.name}:timers`, {
      maxRetriesPerRequest: null,
    }),
    prefix: engine.config.queuePrefix,
    concurrency: options.concurrency ?? 4,
    name: options.name,
  });
}
