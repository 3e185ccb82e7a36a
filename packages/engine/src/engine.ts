import { createDb, type Db } from '@flightdeck/db';
import type { RunEvent } from '@flightdeck/domain';
import type { Redis } from 'ioredis';
import { createQueues, type Queues } from './jobs/queues';
import { FleetPublisher } from './realtime/fleet-publisher';
import { assertRedisReachable, createRedis } from './redis';

export interface EngineConfig {
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix; hash-tagged (e.g. "{fd}") so Redis Cluster keeps a queue on one slot. */
  queuePrefix: string;
  /** Directory under which each run gets its workspace. */
  workspaceRoot: string;
  maxDbConnections?: number;
  /** Retry policy of webhook deliveries, when not the catalog's (tests use a few milliseconds). */
  webhookRetry?: { attempts?: number; backoffMs?: number };
  /** The audit chain's checkpoint file (JSON lines), kept outside PostgreSQL. */
  auditCheckpointFile?: string;
}

/** Told of every batch this process commits (e.g. to export trace spans). Must not throw or block. */
export interface RecordedEventsListener {
  onEvents(runId: string, events: readonly RunEvent[]): void;
}

/** The shared services every use case runs against, in web and worker alike. */
export interface Engine {
  config: EngineConfig;
  db: Db;
  /** Commands and PUBLISH. Subscribers need connections of their own. */
  redis: Redis;
  queues: Queues;
  fleet: FleetPublisher;
  /** Set by the app when traces are exported. */
  recorded?: RecordedEventsListener;
  /** No outgoing notifications (a deterministic re-run repeats a recorded run's approvals). */
  silent?: boolean;
  close(): Promise<void>;
}

export async function createEngine(config: EngineConfig): Promise<Engine> {
  await assertRedisReachable(config.redisUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, maxConnections: config.maxDbConnections });
  // BullMQ requires maxRetriesPerRequest: null on the connections it uses.
  const redis = createRedis(config.redisUrl, 'engine', { maxRetriesPerRequest: null });
  const queues = createQueues(redis, config.queuePrefix);
  const fleet = new FleetPublisher(db, redis);
  return {
    config,
    db,
    redis,
    queues,
    fleet,
    async close() {
      await fleet.flush();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
      await db.close();
    },
  };
}
