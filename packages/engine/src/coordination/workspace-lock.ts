import { randomUUID } from 'node:crypto';
import { DomainError } from '@flightdeck/domain';
import type { Engine } from '../engine';

/**
 * One writer of a run's workspace history at a time, across every worker: a
 * tool call's snapshot and its append, or a rollback. Held for milliseconds
 * (a snapshot) to seconds (a rollback), as a Redis lease that expires if its
 * holder dies. It keeps the history linear: each commit's parent is the
 * commit recorded just before it.
 */

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The workspace stayed locked longer than the caller would wait. */
export class WorkspaceBusyError extends DomainError {
  constructor() {
    super('CONFLICT', "The run's workspace is busy (a rollback or a snapshot).");
    this.name = 'WorkspaceBusyError';
  }
}

export const workspaceLockKey = (engine: Engine, runId: string) =>
  `${engine.config.queuePrefix}:workspace-lock:${runId}`;

export async function withWorkspaceLock<T>(
  engine: Engine,
  runId: string,
  work: () => Promise<T>,
  options: { waitMs?: number; leaseMs?: number } = {},
): Promise<T> {
  const { waitMs = 30_000, leaseMs = 60_000 } = options;
  const key = workspaceLockKey(engine, runId);
  const token = randomUUID();
  const deadline = Date.now() + waitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    if ((await engine.redis.set(key, token, 'PX', leaseMs, 'NX')) === 'OK') break;
    if (Date.now() >= deadline) throw new WorkspaceBusyError();
    await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
  }
  try {
    return await work();
  } finally {
    await engine.redis.eval(RELEASE, 1, key, token);
  }
}
