import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { killProcessGroup } from './process-group';

export interface RunProcessOptions {
  cwd: string;
  /** The child's whole environment: nothing is inherited. */
  env: Record<string, string>;
  timeoutMs: number;
  /** stdout and stderr together, interleaved in arrival order. */
  maxOutputBytes: number;
  signal: AbortSignal;
  /** Between SIGTERM and SIGKILL when the group is stopped. */
  killGraceMs: number;
}

export interface ProcessOutcome {
  /** Set when the process could not be started (ENOENT, EACCES …). */
  spawnError?: string;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Why we stopped it, if we did. */
  stopped?: 'timeout' | 'aborted';
  /** Processes it left behind were still running when it exited, and were stopped. */
  leftovers: boolean;
  /** false if something in the group survived even SIGKILL (uninterruptible). */
  groupGone: boolean;
  output: Buffer;
  droppedBytes: number;
}

/** Keeps the first `limit` bytes of everything written, counts the rest. */
class OutputCap {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  readonly add = (chunk: Buffer): void => {
    const room = Math.max(0, this.limit - this.kept);
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += chunk.length - Math.min(chunk.length, room);
  };
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** How long to wait for the output pipes to close once the group is gone. */
const PIPE_CLOSE_MS = 250;

/**
 * Run argv directly (no shell) as the leader of a new process group, with a
 * time limit and the caller's AbortSignal. Whatever happens (normal exit,
 * timeout, abort) the whole group is stopped before this resolves, so nothing
 * the command forked or backgrounded outlives the call.
 */
export async function runInProcessGroup(
  argv: readonly string[],
  options: RunProcessOptions,
): Promise<ProcessOutcome> {
  const [file, ...rest] = argv;
  if (file === undefined) throw new Error('empty argv');
  const child = spawn(file, rest, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new OutputCap(options.maxOutputBytes);
  child.stdout.on('data', output.add);
  child.stderr.on('data', output.add);
  const pipesClosed = once(child, 'close').then(
    () => undefined,
    () => undefined,
  );

  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    error?: NodeJS.ErrnoException;
  }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: null, signal: null, error }),
    );
  });

  let stopped: ProcessOutcome['stopped'];
  let killing: ReturnType<typeof killProcessGroup> | undefined;
  const stop = (reason: 'timeout' | 'aborted') => {
    if (child.pid === undefined || killing) return;
    stopped = reason;
    killing = killProcessGroup(child.pid, options.killGraceMs);
  };
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = () => stop('aborted');
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();

  const exit = await exited;
  clearTimeout(timer);
  options.signal.removeEventListener('abort', onAbort);

  if (exit.error && child.pid === undefined) {
    return {
      spawnError: exit.error.code ?? 'failed to start',
      exitCode: null,
      exitSignal: null,
      leftovers: false,
      groupGone: true,
      output: Buffer.alloc(0),
      droppedBytes: 0,
    };
  }

  // The leader has exited; stop whatever it left running in its group.
  const stoppedByUs = killing !== undefined;
  const group = await (killing ?? killProcessGroup(child.pid!, options.killGraceMs));
  await Promise.race([pipesClosed, delay(PIPE_CLOSE_MS)]);
  child.stdout.destroy();
  child.stderr.destroy();

  return {
    exitCode: exit.code,
    exitSignal: exit.signal,
    ...(stopped ? { stopped } : {}),
    leftovers: !stoppedByUs && group.hadMembers,
    groupGone: group.gone,
    output: output.bytes(),
    droppedBytes: output.dropped,
  };
}
