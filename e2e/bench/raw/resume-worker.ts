/**
 * The raw baseline for approval latency: a bare BullMQ worker in its own
 * process. Each job parks at once (it completes, holding no slot); the time
 * each job's processor starts is published back, so the bench can time a
 * resume: from adding the continuation job to its processor running.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, queueName] = process.argv.slice(2) as [string, string, string];
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const publisher = new Redis(redisUrl);

const worker = new Worker(
  queueName,
  async (job) => {
    await publisher.publish(
      `${prefix}:raw-resume:started`,
      JSON.stringify({ jobId: job.id, at: performance.timeOrigin + performance.now() }),
    );
  },
  { connection, prefix, concurrency: 10 },
);
await worker.waitUntilReady();
process.send?.('ready');
