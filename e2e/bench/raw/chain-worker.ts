/**
 * The raw baseline for agent turns: a bare BullMQ worker in its own process
 * whose no-op jobs each add the next job of their chain (as a turn enqueues
 * the agent's next turn), and publish when they started, so the bench can
 * time dispatch (add → processor) and count jobs per second.
 * argv: redis URL, prefix, queue name, concurrency, chain length.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, queueName, concurrency, length] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const publisher = new Redis(redisUrl);
const queue = new Queue(queueName, { connection, prefix });

const worker = new Worker(
  queueName,
  async (job) => {
    const startedAt = performance.timeOrigin + performance.now();
    const { chain, step, addedAt } = job.data as { chain: number; step: number; addedAt: number };
    await publisher.publish(`${prefix}:raw-chain:started`, JSON.stringify({ addedAt, startedAt }));
    if (step + 1 < Number(length))
      await queue.add(
        'turn',
        { chain, step: step + 1, addedAt: performance.timeOrigin + performance.now() },
        { jobId: `c${chain}s${step + 1}`, removeOnComplete: true },
      );
  },
  { connection: connection.duplicate(), prefix, concurrency: Number(concurrency) },
);
await worker.waitUntilReady();
process.send?.('ready');
process.on('disconnect', () => {
  void worker.close().finally(() => process.exit(0));
});
