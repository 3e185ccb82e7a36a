import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { saveTeam, spawnRun } from '@flightdeck/engine';
import { type Stack, startStack } from '../lib/stack';

/** A non-idempotent side effect the harness owns and counts (see sink.mjs). */
export const SINK_SCRIPT = path.join(import.meta.dirname, 'sink.mjs');

/**
 * A lead and two workers with file tools and a shell command that writes to
 * the sink (a tool that must never run twice), everything allowed.
 */
export function sinkTeam(slug: string, sinkFile: string, simulation: string): string {
  const shell = `{ name: shell, commands: ["node ${SINK_SCRIPT} ${sinkFile} *"], timeoutMs: 10000 }`;
  const worker = (role: string) => `
    role: ${role}
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list, ${shell}]
    limits: { maxTurns: 12 }`;
  return `
name: ${slug}
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list, ${shell}]
    delegates: [worker-a, worker-b]
    limits: { maxTurns: 12 }
  worker-a:${worker('Worker A')}
  worker-b:${worker('Worker B')}
limits: { maxDepth: 1, maxChildrenPerAgent: 4, maxConcurrentAgents: 8 }
simulation: ${simulation}
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;
}

/** Side effects the sink saw started more than once, as "token ×n". */
export async function repeatedSideEffects(sinkFile: string): Promise<string[]> {
  const starts = (await readFile(sinkFile, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('start '));
  const counts = new Map<string, number>();
  for (const line of starts) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([line, n]) => `${line.slice(6)} ×${n}`);
}

/**
 * A stack (web and two workers, quick lock and reconcile timings) on the given
 * servers, with the sink team saved and `runs` runs spawned; logs and the sink
 * in a scratch folder. The stack is stopped if anything after its start fails.
 */
export async function startSinkStack(options: {
  label: string;
  slug: string;
  servers: NonNullable<Parameters<typeof startStack>[0]['servers']>;
  simulation: string;
  runs: number;
  seed: number;
  goal: string;
}): Promise<{ stack: Stack; scratch: string; sinkFile: string; runIds: string[] }> {
  const scratch = await mkdtemp(path.join(tmpdir(), `fd-${options.label}-`));
  const sinkFile = path.join(scratch, 'sink.log');
  await writeFile(sinkFile, '');
  const stack = await startStack({
    label: options.label,
    workers: 2,
    web: true,
    servers: options.servers,
    logDir: scratch,
    env: {
      WORKER_CONCURRENCY: '20',
      WORKER_LOCK_DURATION_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '1500',
      RECONCILE_INTERVAL_MS: '2000',
      LOG_LEVEL: 'error',
    },
  });
  try {
    const slug = options.slug;
    await saveTeam(stack.engine, { source: sinkTeam(slug, sinkFile, options.simulation) });
    const runIds: string[] = [];
    for (let i = 0; i < options.runs; i++) {
      const { runId } = await spawnRun(stack.engine, {
        teamSlug: slug,
        goal: `${options.goal} ${i}`,
        by: { kind: 'system', id: 'chaos' },
        seed: options.seed + i,
      });
      runIds.push(runId);
    }
    return { stack, scratch, sinkFile, runIds };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
