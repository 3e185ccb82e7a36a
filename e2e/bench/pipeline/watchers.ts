/**
 * The pipeline benchmark's watching clients, in their own process: each
 * client opens one Socket.IO connection per web instance (as a browser tab
 * per run page would, the runs split between the instances) and notes when
 * each event arrives. Asked to collect, it matches the arrivals against the
 * producer's commits: latency from commit to receipt, and what never came.
 */
import { io, type Socket } from 'socket.io-client';
import { percentile, round } from '../lib/stats';
import {
  type CollectReport,
  type Commit,
  epochNow,
  type WatcherCommand,
  type WatcherConfig,
} from './protocol';

const config = JSON.parse(process.argv[2] ?? '') as WatcherConfig;
const send = (message: unknown) => process.send!(message);

/** Arrival times per client per run, indexed by seq (0 = not arrived). */
const arrivals: Array<Map<string, Float64Array>> = [];
let received = 0;

function note(client: number, runId: string, seq: number, at: number): void {
  const runs = arrivals[client]!;
  let times = runs.get(runId);
  if (!times || times.length <= seq) {
    const grown = new Float64Array(Math.max(1024, (seq + 1) * 2));
    if (times) grown.set(times);
    runs.set(runId, grown);
    times = grown;
  }
  if (times[seq] === 0) times[seq] = at;
  received++;
}

async function connect(client: number, url: string, runIds: string[]): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth: { token: config.token } });
  socket.on('run.events', (message: { runId: string; events: Array<{ seq: number }> }) => {
    const at = epochNow();
    for (const event of message.events) note(client, message.runId, event.seq, at);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  for (const runId of runIds) {
    const ack = (await socket.timeout(10_000).emitWithAck('run.watch', { runId, afterSeq: 0 })) as {
      ok: boolean;
      error?: string;
    };
    if (!ack.ok) throw new Error(`run.watch refused: ${ack.error ?? ''}`);
  }
  return socket;
}

function collect(commits: Commit[], runIds: string[]): CollectReport {
  const latencies: number[] = [];
  let lost = 0;
  for (const runs of arrivals) {
    for (const [runIndex, from, to, committedAt] of commits) {
      const times = runs.get(runIds[runIndex]!);
      for (let seq = from; seq <= to; seq++) {
        const at = times && seq < times.length ? times[seq]! : 0;
        if (at === 0) lost++;
        else latencies.push(Math.max(0, at - committedAt));
      }
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    kind: 'collected',
    delivered: latencies.length,
    lost,
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
  };
}

async function main(): Promise<void> {
  const sockets: Socket[] = [];
  for (let client = 0; client < config.clients; client++) {
    arrivals.push(new Map());
    for (const [u, url] of config.urls.entries()) {
      const mine = config.runIds.filter((_, i) => i % config.urls.length === u);
      if (mine.length) sockets.push(await connect(client, url, mine));
    }
  }
  process.on('message', (command: WatcherCommand) => {
    if (command.kind === 'received') send({ kind: 'received', received });
    else send(collect(command.commits, command.runIds));
  });
  process.on('disconnect', () => {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
