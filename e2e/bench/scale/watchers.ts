/**
 * The scale benchmark's watching clients, in their own process: Socket.IO
 * protocol clients (not browser tabs) that authenticate with an API token and
 * watch runs as a run page does (`run.watch`, then `run.events`). Each client
 * holds one socket to its web instance. Asked to collect, it returns, per
 * client and run, when its watch was acknowledged and when each seq arrived.
 */
import { io, type Socket } from 'socket.io-client';

export interface ScaleWatcherConfig {
  token: string;
  /** One entry per client: the web instance it connects to and the runs it watches. */
  clients: Array<{ url: string; runIds: string[] }>;
}

/** Per client: runId → [ackAt, ...flattened (seq, arrivedAt, eventAt) triples]. */
export interface ScaleArrivals {
  kind: 'arrivals';
  clients: Array<Record<string, number[]>>;
}

const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ScaleWatcherConfig;
  const sockets: Socket[] = [];
  const arrivals: Array<Record<string, number[]>> = [];
  let received = 0;
  await Promise.all(
    config.clients.map(async ({ url, runIds }, client) => {
      const mine: Record<string, number[]> = {};
      arrivals[client] = mine;
      const socket = io(url, { transports: ['websocket'], auth: { token: config.token } });
      sockets.push(socket);
      socket.on(
        'run.events',
        (message: { runId: string; events: Array<{ seq: number; at: string }> }) => {
          const at = now();
          const list = mine[message.runId];
          if (!list) return;
          for (const event of message.events) list.push(event.seq, at, Date.parse(event.at));
          received += message.events.length;
        },
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      for (const runId of runIds) {
        mine[runId] = [Number.NaN];
        const ack = (await socket
          .timeout(30_000)
          .emitWithAck('run.watch', { runId, afterSeq: 0 })) as { ok: boolean; error?: string };
        if (!ack.ok) throw new Error(`run.watch refused: ${ack.error ?? ''}`);
        mine[runId][0] = now();
      }
    }),
  );
  process.on('message', (command: { kind: 'received' | 'collect' }) => {
    if (command.kind === 'received') process.send!({ kind: 'received', received });
    else process.send!({ kind: 'arrivals', clients: arrivals } satisfies ScaleArrivals);
  });
  process.on('disconnect', () => {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  });
  process.send!({ kind: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
