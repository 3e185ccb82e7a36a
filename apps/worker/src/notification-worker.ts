import {
  createNotificationProcessor,
  createRedis,
  type Engine,
  QUEUES,
  type WebhookDeliveryOptions,
} from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import { Worker } from 'bullmq';

export interface NotificationWorker {
  worker: Worker;
  close(): Promise<void>;
}

/** A BullMQ consumer of webhook deliveries (the logic is the engine's `deliverWebhook`). */
export async function startNotificationWorker(
  deps: { engine: Engine; log: Logger },
  options: WebhookDeliveryOptions & { name: string; concurrency?: number },
): Promise<NotificationWorker> {
  const { engine, log } = deps;
  const worker = new Worker(
    QUEUES.notifications,
    createNotificationProcessor(engine, {
      publicUrl: options.publicUrl,
      timeoutMs: options.timeoutMs,
    }),
    {
      connection: createRedis(engine.config.redisUrl, `${options.name}:notifications`, {
        maxRetriesPerRequest: null,
      }),
      prefix: engine.config.queuePrefix,
      concurrency: options.concurrency ?? 10,
      name: `${options.name}:notifications`,
    },
  );
  worker.on('error', (error) => log.error('notification worker error', { error }));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final =
      error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    log[final ? 'warn' : 'debug']('webhook delivery failed', {
      jobId: job.id,
      attempt: job.attemptsMade,
      final,
      error: error.message,
    });
  });
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
    },
  };
}
