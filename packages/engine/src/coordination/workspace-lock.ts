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

/**
 * This process's waiters for each lock, in line: one at a time competes for
 * the Redis lease, and the next starts the moment the one before releases
 * (rather than when its polling next happens to look).
 */
const localLines = new Map<string, Promise<void>>();

export async function withWorkspaceLock<T>(
  engine: Engine,
  runId: string,
  work: () => Promise<T>,
  options: { waitMs?: number; leaseMs?: number } = {},
): Promise<T> {
  const { waitMs = 30_000, leaseMs = 60_000 } = options;
  const key = workspaceLockKey(engine, runId);
  const deadline = Date.now() + waitMs;
  const before = localLines.get(key) ?? Promise.resolve();
  let leave!: () => void;
  const left = new Promise<void>((resolve) => (leave = resolve));
  const line = before.then(() => left);
  localLines.set(key, line);
  try {
    await waitUntil(before, deadline);
    return await withLease(engine, key, work, deadline, leaseMs);
  } finally {
    leave();
    if (localLines.get(key) === line) localLines.delete(key);
  }
}

async function waitUntil(turn: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      turn,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkspaceBusyError()), deadline - Date.now());
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Redis lease, against other processes: polled with a short backoff. */
async function withLease<T>(
  engine: Engine,
  key: string,
  work: () => Promise<T>,
  deadline: number,
  leaseMs: number,
): Promise<T> {
  const token = randomUUID();
  for (let pause = 1; ; pause = Math.min(pause * 2, 16)) {
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
