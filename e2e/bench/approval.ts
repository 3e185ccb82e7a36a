/**
 * `npm run bench -- approval`: a lead that asks to write report.md, on the
 * real stack (web + 2 workers), watched by an approver's Socket.IO client.
 *  - ask → inbox: from the agent's request (the model response asking for the
 *    write, as recorded) to the approval reaching the approver's socket;
 *  - decide → running: from the approve request (HTTP, as the browser sends
 *    it) to the agent running the call again (its dispatch reaching a run page).
 * Beside it, the raw BullMQ park-and-resume (a job parks by completing; the
 * resume adds the continuation job; until its processor starts), same run.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import { ApprovalChanged, RunEventsMessage } from '@flightdeck/domain';
import { createApiToken, listApprovalRecords, saveTeam, spawnRun } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { startStack } from '../lib/stack';
import { summarize, table } from './lib/stats';
import type { BenchOptions, BenchResult } from './registry';

const now = () => performance.timeOrigin + performance.now();

/** A wait that fails loudly instead of hanging the benchmark. */
function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} (${ms} ms)`)), ms),
    ),
  ]);
}

const TEAM = `
name: approval-bench
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.write]
simulation: { latencyMs: 0, errorRate: 0, minSteps: 1, maxSteps: 1 }
policy:
  approvals: { ttlSeconds: 3600 }
  rules:
    - { id: publish, tool: fs.write, paths: [report.md], effect: ask }
`;

async function rawParkAndResume(samples: number): Promise<number[]> {
  const prefix = `{${uniqueRedisPrefix('raw-resume')}}`;
  const queueName = 'raw-resume';
  const child = fork(
    path.join(import.meta.dirname, 'raw', 'resume-worker.ts'),
    [redisUrl(), prefix, queueName],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
  );
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const subscriber = new Redis(redisUrl());
  const queue = new Queue(queueName, {
    connection: new Redis(redisUrl(), { maxRetriesPerRequest: null }),
    prefix,
  });
  const started = new Map<string, (at: number) => void>();
  subscriber.on('message', (_c, raw: string) => {
    const { jobId, at } = JSON.parse(raw) as { jobId: string; at: number };
    started.get(jobId)?.(at);
  });
  await subscriber.subscribe(`${prefix}:raw-resume:started`);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      // Park: the first job runs and completes. Resume: the continuation is added and picked up.
      const parked = new Promise<number>((resolve) => started.set(`park${i}`, resolve));
      await queue.add('turn', {}, { jobId: `park${i}` });
      await parked;
      const resumed = new Promise<number>((resolve) => started.set(`resume${i}`, resolve));
      const t0 = now();
      await queue.add('turn', {}, { jobId: `resume${i}` });
      out.push((await resumed) - t0);
    }
  } finally {
    child.kill('SIGTERM');
    await queue.obliterate({ force: true });
    await queue.close();
    subscriber.disconnect();
  }
  return out;
}

export async function approvalBench({ quick }: BenchOptions): Promise<BenchResult> {
  const samples = quick ? 5 : 50;
  const warmUp = 3;
  const stack = await startStack({ label: 'bench-approval', workers: 2, web: true });
  const ask: number[] = [];
  const resume: number[] = [];
  const sockets: Socket[] = [];
  try {
    const { engine, baseUrl } = stack;
    const { secret: approverToken } = await createApiToken(engine, {
      name: 'bench-approver',
      roles: ['approver'],
      teams: 'all',
      by: { actor: { kind: 'user', id: 'bench@flightdeck.local' }, roles: ['admin'], teams: 'all' },
    });
    const connect = async (name: string): Promise<Socket> => {
      const socket = io(baseUrl!, { transports: ['websocket'], auth: { token: approverToken } });
      sockets.push(socket);
      socket.on('disconnect', (reason) => process.stdout.write(`${name} socket: ${reason}\n`));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return socket;
    };
    const inbox = await connect('inbox');
    await inbox.emitWithAck('approvals.watch', {});
    // A reconnected client joins its rooms again, as the browser does.
    inbox.io.on('reconnect', () => void inbox.emitWithAck('approvals.watch', {}));
    // When each run's approval reached the inbox (it can arrive before spawnRun returns).
    const appearedAt = new Map<string, number>();
    const appeared = new Map<string, (at: number) => void>();
    inbox.on('approvals.changed', (message: unknown) => {
      const parsed = ApprovalChanged.safeParse(message);
      if (!parsed.success || parsed.data.change !== 'requested') return;
      appearedAt.set(parsed.data.runId, now());
      appeared.get(parsed.data.runId)?.(now());
    });
    const whenAppeared = (runId: string) =>
      new Promise<number>((resolve) => {
        const at = appearedAt.get(runId);
        if (at !== undefined) resolve(at);
        else appeared.set(runId, resolve);
      });

    await saveTeam(engine, { source: TEAM });
    for (let k = -warmUp; k < samples; k++) {
      const { runId } = await spawnRun(engine, {
        teamSlug: 'approval-bench',
        goal: `Approval ${k}`,
        by: { kind: 'system', id: 'bench' },
      });
      // Each run is watched by its own run page (a socket per page, as in a browser tab).
      const runPage = await connect('run page');
      const dispatched = new Promise<number>((resolve) =>
        runPage.on('run.events', (message: unknown) => {
          const parsed = RunEventsMessage.safeParse(message);
          if (parsed.success && parsed.data.events.some((e) => e.type === 'tool.call.dispatched'))
            resolve(now());
        }),
      );
      const watched = (await runPage.timeout(5000).emitWithAck('run.watch', {
        runId,
        afterSeq: 0,
      })) as { ok: boolean; error?: string };
      if (!watched.ok) throw new Error(`run.watch refused: ${watched.error ?? ''}`);
      const seenAt = await within(
        whenAppeared(runId),
        `run ${runId}: the approval never reached the inbox`,
      );
      const [approval] = await listApprovalRecords(engine, { state: 'pending', runId });
      if (!approval) throw new Error(`run ${runId}: no approval`);
      // The agent asked when its model response asking for the write was recorded.
      const events = await readAllEvents(engine.db, runId);
      const asked = events.findLast((e) => e.type === 'llm.call.finished');
      if (!asked) throw new Error(`run ${runId}: no model response`);

      const t0 = now();
      const response = await fetch(`${baseUrl}/api/trpc/approvals.decide`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${approverToken}` },
        body: JSON.stringify({
          runId,
          approvalId: approval.id,
          decision: 'approve',
          fingerprint: approval.fingerprint,
        }),
      });
      if (!response.ok)
        throw new Error(`decide failed: ${response.status} ${await response.text()}`);
      const runningAt = await within(dispatched, `run ${runId}: the agent never ran again`);
      runPage.disconnect();
      appeared.delete(runId);
      appearedAt.delete(runId);
      if (k < 0) continue;
      ask.push(seenAt - Date.parse(asked.at));
      resume.push(runningAt - t0);
      process.stdout.write(
        `approval ${k + 1}/${samples}: ask → inbox ${ask.at(-1)!.toFixed(1)} ms, decide → running ${resume.at(-1)!.toFixed(1)} ms\n`,
      );
    }
  } finally {
    for (const socket of sockets) socket.disconnect();
    await stack.stop();
  }
  const raw = await rawParkAndResume(samples);
  console.log(
    table([
      { measure: 'agent asks → approval in an approver’s client', ...summarize(ask) },
      { measure: 'approve request → the agent runs the call', ...summarize(resume) },
      { measure: 'raw BullMQ park-and-resume (add → processor)', ...summarize(raw) },
    ]),
  );
  return {
    samples,
    appear_p50_ms: summarize(ask).p50,
    appear_p99_ms: summarize(ask).p99,
    resume_p50_ms: summarize(resume).p50,
    resume_p99_ms: summarize(resume).p99,
    raw_resume_p50_ms: summarize(raw).p50,
    raw_resume_p99_ms: summarize(raw).p99,
  };
}
