import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Processes started by tools run as leaders of their own process group
 * (`spawn(..., { detached: true })`), so that everything they fork can be
 * signalled at once with `process.kill(-pgid)`.
 *
 * "Gone" means no live member: an exited process that nobody has reaped yet
 * (a zombie: orphans whose init does not reap, as in some containers) runs
 * nothing and counts as gone.
 */

const POLL_MS = 20;
/** How long to wait for a group to disappear after SIGKILL before giving up. */
const AFTER_KILL_MS = 2_000;

/** Signal 0 probes existence; EPERM means it exists but belongs to someone else. */
function exists(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ProcStat {
  state: string;
  pgrp: number;
}

/** `/proc/<pid>/stat`: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses. */
async function readProcStat(pid: string | number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const isDeadState = (state: string) =>
  state === '' || state === 'Z' || state === 'X' || state === 'x';

/** Whether `pid` is a running (not exited) process. */
export async function isProcessRunning(pid: number): Promise<boolean> {
  if (!exists(pid)) return false;
  if (process.platform !== 'linux') return true;
  const stat = await readProcStat(pid);
  return stat !== undefined && !isDeadState(stat.state);
}

/** Whether any member of process group `pgid` is still running. */
export async function isProcessGroupRunning(pgid: number): Promise<boolean> {
  if (!exists(-pgid)) return false;
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true;
  }
  const stats = await Promise.all(
    entries.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(name)),
  );
  return stats.some((stat) => stat !== undefined && stat.pgrp === pgid && !isDeadState(stat.state));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function waitUntilGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!(await isProcessGroupRunning(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

export interface GroupKillResult {
  /** Something in the group was still running when the kill began. */
  hadMembers: boolean;
  /** Nothing in the group runs any more. */
  gone: boolean;
}

/**
 * Stop every process of group `pgid`: SIGTERM, then SIGKILL after `graceMs`,
 * and resolve once none of them runs (or, for processes that even SIGKILL
 * cannot stop at once, after a bounded wait with `gone: false`).
 */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<GroupKillResult> {
  if (!(await isProcessGroupRunning(pgid))) return { hadMembers: false, gone: true };
  signalGroup(pgid, 'SIGTERM');
  if (await waitUntilGone(pgid, graceMs)) return { hadMembers: true, gone: true };
  signalGroup(pgid, 'SIGKILL');
  return { hadMembers: true, gone: await waitUntilGone(pgid, AFTER_KILL_MS) };
}
