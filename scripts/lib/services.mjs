// Make sure PostgreSQL and Redis answer, starting the local Debian services if
// they do not. Used by `npm start`, `npm test` and .ci/run. Node built-ins only:
// this runs before dependencies are installed.
import { execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import net from 'node:net';

function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await canConnect(host, port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1'].includes(host);

function endpoint(url, defaultPort) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || defaultPort),
  };
}

export const HOW_TO_START = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis:
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
};

function tryStart(name) {
  try {
    if (name === 'postgres') {
      const version = readdirSync('/etc/postgresql')[0];
      execSync(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`, {
        stdio: 'inherit',
      });
    } else {
      execSync('mkdir -p /var/lib/redis /var/log/redis', { stdio: 'inherit' });
      execSync(HOW_TO_START.redis, { stdio: 'inherit' });
    }
  } catch (error) {
    console.error(`[services] could not start ${name}: ${error.message}`);
  }
}

export async function ensureServices({
  databaseUrl = 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl = 'redis://127.0.0.1:6379',
} = {}) {
  const services = [
    {
      name: 'postgres',
      label: 'PostgreSQL',
      ...endpoint(databaseUrl, 5432),
      envVar: 'DATABASE_URL',
    },
    { name: 'redis', label: 'Redis', ...endpoint(redisUrl, 6379), envVar: 'REDIS_URL' },
  ];
  for (const service of services) {
    if (await canConnect(service.host, service.port)) continue;
    if (isLocal(service.host)) {
      console.log(
        `[services] ${service.label} is not answering on ${service.host}:${service.port}; starting it`,
      );
      tryStart(service.name);
      if (await waitFor(service.host, service.port, 20)) {
        console.log(`[services] ${service.label} is up`);
        continue;
      }
    }
    throw new Error(
      `${service.label} is unreachable at ${service.host}:${service.port}.\n` +
        `Start it with:\n  ${HOW_TO_START[service.name]}\nor set ${service.envVar} to a reachable server.`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureServices({ databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL }).catch(
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
