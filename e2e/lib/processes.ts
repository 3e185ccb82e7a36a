import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Start a Flightdeck app as one Node process (tsx as a loader, no wrapper process to outlive a kill). */
export function startApp(
  app: 'worker' | 'web',
  env: NodeJS.ProcessEnv,
  options: {
    quiet?: boolean;
    /** Append its stdout and stderr to this file. */ logFile?: string;
  } = {},
): ChildProcess {
  const entry = app === 'worker' ? 'src/main.ts' : 'server/main.ts';
  const out = options.logFile ? openSync(options.logFile, 'a') : null;
  return spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: path.join(repoRoot, 'apps', app),
    env: { ...process.env, ...env },
    stdio:
      out !== null
        ? ['ignore', out, out]
        : options.quiet
          ? 'ignore'
          : ['ignore', 'inherit', 'inherit'],
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve()
      : child.once('exit', () => resolve()),
  );
}

export async function stopAll(children: Iterable<ChildProcess>): Promise<void> {
  const list = [...children];
  for (const child of list) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.race([Promise.all(list.map(exited)), new Promise((r) => setTimeout(r, 8000))]);
  for (const child of list)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

/** Live processes (not zombies), from /proc. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A small seeded PRNG so a chaos run can be repeated from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
