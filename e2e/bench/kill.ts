/**
 * `npm run bench -- kill`: a 20-agent team on 2 workers, agents in the middle
 * of model calls and of shell commands (each forking a grandchild). From the
 * kill request (HTTP, as the browser sends it) to:
 *  - stop: the abort having fired in every worker (their acks on the control channel);
 *  - ui: every watching client (3 Socket.IO clients, as run pages) having the kill;
 *  - procs: every child process of the run gone.
 * Beside it, the raw BullMQ cross-process cancel (PUBLISH → worker.cancelJob →
 * the processor's AbortSignal), measured in the same run.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import { reduceEvents, RunEventsMessage } from '@flightdeck/domain';
import { CONTROL_ACK_CHANNEL, ControlAck, saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { listProcesses } from '../lib/processes';
import { startStack } from '../lib/stack';
import { summarize, table } from './lib/stats';
import type { BenchOptions, BenchResult } from './registry';

const SLEEPER = path.join(import.meta.dirname, 'raw', 'sleeper.mjs');
const now = () => performance.timeOrigin + performance.now();

function team(): string {
  const shell = `{ name: shell, commands: ["node ${SLEEPER} *"], timeoutMs: 600000 }`;
  const workers = Array.from({ length: 19 }, (_, i) => `w${String(i + 1).padStart(2, '0')}`);
  return `
name: kill-bench
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, ${shell}]
    delegates: [${workers.join(', ')}]
${workers.map((w) => `  ${w}:\n    role: Worker\n    model: simulated/gpt-4o-mini\n    tools: [${shell}]`).join('\n')}
limits: { maxDepth: 1, maxChildrenPerAgent: 19, maxConcurrentAgents: 20 }
simulation: { latencyMs: 1500, errorRate: 0, minSteps: 2, maxSteps: 2 }
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;
}

async function rawCancel(samples: number): Promise<number[]> {
  const prefix = `{${uniqueRedisPrefix('raw-cancel')}}`;
  const queueName = 'raw-cancel';
  const child = fork(
    path.join(import.meta.dirname, 'raw', 'cancel-worker.ts'),
    [redisUrl(), prefix, queueName],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    },
  );
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const redis = new Redis(redisUrl());
  const subscriber = new Redis(redisUrl());
  const queue = new Queue(queueName, {
    connection: new Redis(redisUrl(), { maxRetriesPerRequest: null }),
    prefix,
  });
  const fired = new Map<string, (at: number) => void>();
  subscriber.on('message', (_c, raw: string) => {
    const { jobId, at } = JSON.parse(raw) as { jobId: string; at: number };
    fired.get(jobId)?.(at);
  });
  await subscriber.subscribe(`${prefix}:raw-cancel:fired`);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const job = await queue.add('wait', {}, { jobId: `j${i}` });
      while ((await job.getState()) !== 'active') await new Promise((r) => setTimeout(r, 5));
      const firedAt = new Promise<number>((resolve) => fired.set(String(job.id), resolve));
      // "active" in Redis can precede the processor's start by a moment; a cancel that finds no job is sent again.
      for (;;) {
        const t0 = now();
        await redis.publish(`${prefix}:raw-cancel:cancel`, String(job.id));
        const at = await Promise.race([
          firedAt,
          new Promise<null>((r) => setTimeout(() => r(null), 250)),
        ]);
        if (at !== null) {
          out.push(at - t0);
          break;
        }
      }
    }
  } finally {
    child.kill('SIGTERM');
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    subscriber.disconnect();
  }
  return out;
}

export async function killBench({ quick }: BenchOptions): Promise<BenchResult> {
  const kills = quick ? 5 : 50;
  const warmUp = 3; // the first kills after start pay for JIT and first loads in web and workers: not measured
  const stack = await startStack({ label: 'bench-kill', workers: 2, web: true });
  const { engine, baseUrl, token } = stack;
  const acks = new Redis(redisUrl());
  const ackWaiters = new Map<string, (ack: ControlAck) => void>();
  acks.on('message', (_c, raw: string) => {
    const parsed = ControlAck.safeParse(JSON.parse(raw));
    if (parsed.success) ackWaiters.get(parsed.data.runId)?.(parsed.data);
  });
  await acks.subscribe(CONTROL_ACK_CHANNEL);
  const stop: number[] = [];
  const ui: number[] = [];
  const procs: number[] = [];
  const mix: string[] = [];
  try {
    await saveTeam(engine, { source: team() });
    for (let k = -warmUp; k < kills; k++) {
      const seed = 100_000 + k;
      const { runId } = await spawnRun(engine, {
        teamSlug: 'kill-bench',
        goal: `Kill ${k}`,
        by: { kind: 'system', id: 'bench' },
        seed,
      });
      const viewers: Socket[] = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const socket = io(baseUrl!, { transports: ['websocket'], auth: { token } });
          await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
          await socket.emitWithAck('run.watch', { runId, afterSeq: 0 });
          return socket;
        }),
      );
      // Wait until the team is at work: 20 agents, some in a model call, some in a shell command.
      let inModel = 0;
      let inShell = 0;
      const settleBy = Date.now() + 20_000;
      while (Date.now() < settleBy) {
        const state = reduceEvents(await readAllEvents(engine.db, runId));
        const agents = Object.values(state.agents);
        inModel = agents.filter((a) => a.turn?.llm?.status === 'started').length;
        inShell = agents.filter((a) =>
          a.turn?.toolCalls.some((c) => c.tool === 'shell' && c.status === 'dispatched'),
        ).length;
        if (
          agents.length === 20 &&
          inShell >= 3 &&
          (inModel >= 3 || Date.now() > settleBy - 15_000)
        )
          break;
        await new Promise((r) => setTimeout(r, 25));
      }
      mix.push(`${inModel}/${inShell}`);
      const marker = `${seed}-`;
      const seen = viewers.map(
        (socket) =>
          new Promise<number>((resolve) =>
            socket.on('run.events', (message: unknown) => {
              const parsed = RunEventsMessage.safeParse(message);
              if (parsed.success && parsed.data.events.some((e) => e.type === 'run.killed'))
                resolve(now());
            }),
          ),
      );
      const acked = new Promise<number>((resolve) => {
        const from = new Map<string, number>();
        ackWaiters.set(runId, (ack) => {
          from.set(ack.worker, ack.at);
          if (from.size === 2) resolve(Math.max(...from.values()));
        });
      });
      const t0 = now();
      const response = await fetch(`${baseUrl}/api/trpc/runs.kill`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ runId, reason: 'benchmark' }),
      });
      if (!response.ok) throw new Error(`kill failed: ${response.status} ${await response.text()}`);
      const stopMs = (await acked) - t0;
      const uiMs = Math.max(...(await Promise.all(seen))) - t0;
      for (;;) {
        if (!listProcesses().some((p) => p.cmdline.includes(SLEEPER) && p.cmdline.includes(marker)))
          break;
        if (now() - t0 > 10_000)
          throw new Error(`processes of run ${runId} outlived its kill by 10 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const procsMs = now() - t0;
      for (const socket of viewers) socket.disconnect();
      ackWaiters.delete(runId);
      if (k < 0) continue;
      stop.push(stopMs);
      ui.push(uiMs);
      procs.push(procsMs);
      process.stdout.write(
        `kill ${k + 1}/${kills}: stop ${stop.at(-1)!.toFixed(1)} ms, ui ${ui.at(-1)!.toFixed(1)} ms, procs ${procs.at(-1)!.toFixed(0)} ms (in model/shell ${mix.at(-1)})\n`,
      );
    }
  } finally {
    acks.disconnect();
    await stack.stop();
  }
  const raw = await rawCancel(kills);
  const rows = [
    { measure: 'kill → abort fired in every worker', ...summarize(stop) },
    { measure: 'kill → every run page has it', ...summarize(ui) },
    { measure: 'kill → every child process gone', ...summarize(procs) },
    { measure: 'raw BullMQ cross-process cancel', ...summarize(raw) },
  ];
  console.log(table(rows));
  return {
    kills,
    stop_p50_ms: summarize(stop).p50,
    stop_p99_ms: summarize(stop).p99,
    ui_p50_ms: summarize(ui).p50,
    ui_p99_ms: summarize(ui).p99,
    procs_gone_p50_ms: summarize(procs).p50,
    procs_gone_p99_ms: summarize(procs).p99,
    raw_cancel_p50_ms: summarize(raw).p50,
    raw_cancel_p99_ms: summarize(raw).p99,
  };
}
