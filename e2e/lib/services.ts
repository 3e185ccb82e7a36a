/**
 * Private service instances for chaos scenarios that stop or restart a
 * service: the machine's PostgreSQL and Redis are shared with other stacks,
 * so a scenario starts its own on a free port, points a whole stack at it,
 * and removes it afterwards.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { exited } from './processes';

/** A TCP port nobody listens on right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kill it (SIGKILL: no persistence, it comes back empty) and start it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A `redis-server` child process on a free port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        tmpdir(),
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    await until(async () => {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `redis-server on port ${port}`);
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGKILL');
    await exited(running);
  };
  await start();
  return {
    url,
    port,
    async restart(downMs = 1_000) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: kill,
  };
}

export interface PrivatePostgres {
  /** The server's `postgres` database (create others from it). */
  url: string;
  port: number;
  /** A URL of a database on this server. */
  urlOf(database: string): string;
  /** pg_ctl stop (fast: sessions are terminated, nothing half-committed survives). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stop it and remove its data directory. */
  destroy(): void;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL 15 cluster of its own (initdb in a temporary directory, trust
 * auth, on a free port), run as the `postgres` OS user when this process is
 * root (PostgreSQL refuses to run as root).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-chaos-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const root = userInfo().uid === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (bin: string, args: string[]) =>
    execFileSync(
      root ? 'runuser' : path.join(PG_BIN, bin),
      root ? ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args] : args,
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
    );
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast') =>
    run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  start();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let destroyed = false;
  return {
    url,
    port,
    urlOf: (database) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop,
    start,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
