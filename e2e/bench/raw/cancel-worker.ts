/**
 * The raw baseline for kill latency: a bare BullMQ worker in its own process.
 * On a Redis message naming a job it calls worker.cancelJob; the processor's
 * AbortSignal fires and the time it fired is published back.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, queueName] = process.argv.slice(2) as [string, string, string];
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);

const worker = new Worker(
  queueName,
  (job, _token, signal) =>
    new Promise<void>((resolve) => {
      signal?.addEventListener('abort', () => {
        void publisher.publish(
          `${prefix}:raw-cancel:fired`,
          JSON.stringify({ jobId: job.id, at: performance.timeOrigin + performance.now() }),
        );
        resolve();
      });
    }),
  { connection, prefix, concurrency: 10 },
);

subscriber.on('message', (_channel, jobId: string) => {
  worker.cancelJob(jobId, 'benchmark');
});
await subscriber.subscribe(`${prefix}:raw-cancel:cancel`);
await worker.waitUntilReady();
process.send?.('ready');
