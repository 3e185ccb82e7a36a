#!/usr/bin/env node
// `npm start`: everything a newcomer needs, in one command. Installs what is
// missing, makes sure PostgreSQL and Redis answer, migrates the database,
// builds the web app, then runs web + worker until Ctrl-C. The demo team is
// created by the web server on its first start. `--dev` runs Next in dev mode.
import { spawn } from 'node:child_process';
import { ensureDependencies, root, run } from './lib/deps.mjs';
import { ensureServices } from './lib/services.mjs';

const dev = process.argv.includes('--dev');

try {
  await ensureServices({ databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL });
  ensureDependencies();
  run('npm run --silent db:migrate');
  if (!dev) run('npx turbo run build --filter=@flightdeck/web --output-logs=errors-only');
} catch (error) {
  console.error(`\n[flightdeck] set-up failed: ${error.message}`);
  process.exit(1);
}

const processes = [
  { name: 'web', args: ['run', dev ? 'dev' : 'start', '--workspace', '@flightdeck/web'] },
  { name: 'worker', args: ['run', 'start', '--workspace', '@flightdeck/worker'] },
];

const children = processes.map(({ name, args }) => {
  // Its own process group: stopping it stops npm, tsx and node beneath it.
  const child = spawn('npm', ['--silent', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = (stream, out) => {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(`${name.padEnd(6)} | ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[flightdeck] ${name} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r)))),
  ).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
