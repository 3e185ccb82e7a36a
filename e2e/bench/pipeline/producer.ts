/**
 * The pipeline benchmark's event source, in its own process: it plays the
 * workers. In `pipeline` mode it records events through the engine exactly as
 * a worker does (commit to PostgreSQL, then publish on the run's Redis
 * channel); in `raw` mode it only publishes the same messages to Redis.
 * Each run gets a tick every 20 ms and appends the events due since its last
 * tick as one batch; a run whose append takes longer falls behind, which the
 * report shows as fewer events than offered.
 */
import { type EventDraft, newSpanId } from '@flightdeck/domain';
import { createEngine, type Engine, recordEvents, runChannel } from '@flightdeck/engine';
import { Redis } from 'ioredis';
import {
  type Commit,
  epochNow,
  type ProducerCommand,
  type ProducerConfig,
  type StepReport,
} from './protocol';

const TICK_MS = 20;
const MAX_BATCH = 200;

const config = JSON.parse(process.argv[2] ?? '') as ProducerConfig;
const send = (message: unknown) => process.send!(message);

let engine: Engine | null = null;
let redis: Redis | null = null;
const rawSeqs = config.runs.map(() => 0);
const commits: Commit[] = [];
let lastCommitAt = 0;

/** A gate decision, as workers record one per call: a realistic size and shape. */
function draft(run: ProducerConfig['runs'][number], n: number): EventDraft {
  return {
    type: 'gate.decided',
    at: new Date().toISOString(),
    agentId: run.agentId,
    traceId: run.traceId,
    spanId: newSpanId(),
    parentSpanId: null,
    payload: {
      subject: 'tool',
      callId: `${run.agentId}.bench.c${n}`,
      tool: 'fs.read',
      effect: 'allow',
      ruleId: 'read-workspace',
      source: 'manifest',
      policyVersion: 'm1',
      reason: 'matched rule read-workspace: the team may read anything in its workspace',
    },
  };
}

async function append(runIndex: number, count: number, n: number): Promise<void> {
  const run = config.runs[runIndex]!;
  const drafts = Array.from({ length: count }, (_, i) => draft(run, n + i));
  if (engine) {
    // The commit time is taken by the engine's listener, between commit and publish.
    await recordEvents(engine, run.runId, drafts);
    return;
  }
  const from = rawSeqs[runIndex]! + 1;
  rawSeqs[runIndex] = from + count - 1;
  const events = drafts.map((d, i) => ({ ...d, runId: run.runId, seq: from + i, version: 1 }));
  const at = epochNow();
  await redis!.publish(runChannel(run.runId), JSON.stringify({ runId: run.runId, events }));
  commits.push([runIndex, from, from + count - 1, at]);
  lastCommitAt = at;
}

async function step(eventsPerS: number, durationMs: number): Promise<StepReport> {
  commits.length = 0;
  const appendMs: number[] = [];
  const perRun = eventsPerS / config.runs.length;
  const start = epochNow();
  let events = 0;
  await Promise.all(
    config.runs.map(async (_, runIndex) => {
      let sent = 0;
      // Spread the runs' ticks over the tick interval.
      await new Promise((r) => setTimeout(r, (runIndex * TICK_MS) / config.runs.length));
      for (;;) {
        const elapsed = epochNow() - start;
        if (elapsed >= durationMs) break;
        const due = Math.min(MAX_BATCH, Math.floor((perRun * elapsed) / 1000) - sent);
        if (due > 0) {
          const t0 = epochNow();
          await append(runIndex, due, sent);
          appendMs.push(epochNow() - t0);
          sent += due;
          events += due;
        }
        const wait = TICK_MS - ((epochNow() - start) % TICK_MS);
        await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  return {
    kind: 'step-done',
    commits: [...commits],
    events,
    elapsedMs: Math.max(durationMs, lastCommitAt - start),
    appendMs,
  };
}

async function main(): Promise<void> {
  if (config.mode === 'pipeline') {
    engine = await createEngine({
      databaseUrl: config.databaseUrl,
      redisUrl: config.redisUrl,
      queuePrefix: config.queuePrefix,
      workspaceRoot: config.workspaceRoot,
    });
    const index = new Map(config.runs.map((r, i) => [r.runId, i]));
    engine.recorded = {
      onEvents(runId, recorded) {
        const at = epochNow();
        commits.push([index.get(runId)!, recorded[0]!.seq, recorded.at(-1)!.seq, at]);
        lastCommitAt = at;
      },
    };
  } else {
    redis = new Redis(config.redisUrl);
  }
  process.on('message', (command: ProducerCommand) => {
    if (command.kind === 'step')
      void step(command.eventsPerS, command.durationMs).then(send, (error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  });
  send({ kind: 'ready' });
}

process.on('disconnect', () => {
  void (async () => {
    await engine?.close();
    redis?.disconnect();
    process.exit(0);
  })();
});

void main();
