import type { Server as HttpServer, IncomingMessage } from 'node:http';
import {
  type Ack,
  type ClientToServerEvents,
  type RunEvent,
  type ServerToClientEvents,
  UnwatchRun,
  WATCH_GAP_FILL_LIMIT,
  WatchRun,
} from '@flightdeck/domain';
import { type Engine, FLEET_CHANNEL, getRun, readRunEvents, runChannel } from '@flightdeck/engine';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { ChannelSubscriptions } from './subscriptions';

/** Client messages are tiny ({ runId, afterSeq }); anything bigger is hostile. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Runs one socket may watch at once (a page watches one; tabs share nothing). */
const MAX_WATCHED_RUNS_PER_SOCKET = 32;

const FleetWatch = z.union([z.undefined(), z.null(), z.object({}).strict()]);

const FLEET_ROOM = 'fleet';
const RUN_CHANNEL_PREFIX = runChannel('');
const runRoom = (runId: string) => `run:${runId}`;

type FdServer = Server<ClientToServerEvents, ServerToClientEvents>;
type FdSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface Logger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export interface Realtime {
  io: FdServer;
  subscriptions: ChannelSubscriptions;
  close(): Promise<void>;
}

/** A watch the server declines (the message goes back to the client as is). */
class WatchRefused extends Error {}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Same-origin only: a page from another site must not ride the operator's session. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (benchmarks, tests)
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A reply function that tolerates clients which sent no ack callback. */
function replier<T>(ack: unknown): (result: T) => void {
  return typeof ack === 'function' ? (ack as (result: T) => void) : () => undefined;
}

export function attachRealtime(options: {
  httpServer: HttpServer;
  engine: Engine;
  subscriber: Redis;
  logger: Logger;
}): Realtime {
  const { httpServer, engine, subscriber, logger } = options;

  const io: FdServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    transports: ['websocket', 'polling'],
    // Next's dev server owns other upgrade requests (HMR) on this port.
    destroyUpgrade: false,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    allowRequest: (req, callback) => callback(null, sameOrigin(req)),
  });

  const subscriptions = new ChannelSubscriptions(subscriber, (error, channel) =>
    logger.warn(`realtime: redis (un)subscribe failed for ${channel}`, error),
  );

  // The relay: one Redis message → one room broadcast, encoded once for every socket in the room.
  subscriber.on('message', (channel: string, raw: string) => {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      logger.warn(`realtime: unparseable message on ${channel}`);
      return;
    }
    if (channel === FLEET_CHANNEL) {
      if (
        typeof message === 'object' &&
        message !== null &&
        typeof (message as { id?: unknown }).id === 'string'
      ) {
        io.to(FLEET_ROOM).emit('fleet.run', message as never);
      }
      return;
    }
    if (channel.startsWith(RUN_CHANNEL_PREFIX)) {
      const runId = channel.slice(RUN_CHANNEL_PREFIX.length);
      const m = message as { runId?: unknown; events?: unknown };
      // Cheap structural check on the hot path; every browser parses the full schema.
      if (m.runId === runId && Array.isArray(m.events) && m.events.length > 0) {
        io.to(runRoom(runId)).emit('run.events', message as never);
      } else {
        logger.warn(`realtime: malformed run message on ${channel}`);
      }
    }
  });
  subscriber.on('error', (error: unknown) =>
    logger.warn('realtime: redis subscriber error', error),
  );

  io.on('connection', (socket: FdSocket) => {
    /** Runs this socket is in the room of, with a reference on their channel. */
    const watched = new Set<string>();
    let watchingFleet = false;
    let closed = false;

    // Watch and unwatch of one run by one socket run one after the other, never interleaved.
    const queues = new Map<string, Promise<void>>();
    const serial = <T>(key: string, op: () => Promise<T>): Promise<T> => {
      const result = (queues.get(key) ?? Promise.resolve()).then(op);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return result;
    };

    const joinRun = (runId: string) =>
      serial(runId, async () => {
        if (watched.has(runId) || closed) return;
        if (watched.size >= MAX_WATCHED_RUNS_PER_SOCKET)
          throw new WatchRefused(`watching too many runs (max ${MAX_WATCHED_RUNS_PER_SOCKET})`);
        const run = await getRun(engine, { runId });
        if (!run) throw new WatchRefused('no such run');
        await socket.join(runRoom(runId));
        try {
          await subscriptions.acquire(runChannel(runId));
        } catch (error) {
          await socket.leave(runRoom(runId));
          await subscriptions.release(runChannel(runId));
          throw error;
        }
        // The socket may have gone while Redis answered: give the reference back.
        if (closed) await subscriptions.release(runChannel(runId));
        else watched.add(runId);
      });

    const watchRun = async (input: unknown, ack: unknown): Promise<void> => {
      const reply = replier<Ack<{ events: RunEvent[]; lastSeq: number }>>(ack);
      const parsed = WatchRun.safeParse(input);
      if (!parsed.success)
        return reply({ ok: false, error: `invalid run.watch: ${describeIssues(parsed.error)}` });
      const { runId, afterSeq } = parsed.data;
      try {
        await joinRun(runId);
        // Subscribed before reading: whatever is committed after this read arrives live.
        const [events, run] = await Promise.all([
          readRunEvents(engine, { runId, afterSeq, limit: WATCH_GAP_FILL_LIMIT }),
          getRun(engine, { runId }),
        ]);
        const lastSeq = Math.max(events.at(-1)?.seq ?? 0, run?.lastSeq ?? 0);
        reply({ ok: true, events, lastSeq });
      } catch (error) {
        if (error instanceof WatchRefused) return reply({ ok: false, error: error.message });
        logger.error(`realtime: run.watch ${runId} failed`, error);
        reply({ ok: false, error: 'could not watch this run right now' });
      }
    };

    const unwatchRun = async (input: unknown, ack: unknown): Promise<void> => {
      const reply = replier<Ack>(ack);
      const parsed = UnwatchRun.safeParse(input);
      if (!parsed.success)
        return reply({ ok: false, error: `invalid run.unwatch: ${describeIssues(parsed.error)}` });
      const { runId } = parsed.data;
      try {
        await serial(runId, async () => {
          if (!watched.delete(runId)) return;
          await socket.leave(runRoom(runId));
          await subscriptions.release(runChannel(runId));
        });
        reply({ ok: true });
      } catch (error) {
        logger.error(`realtime: run.unwatch ${runId} failed`, error);
        reply({ ok: false, error: 'could not unwatch this run right now' });
      }
    };

    const watchFleet = async (input: unknown, ack: unknown): Promise<void> => {
      const reply = replier<Ack>(ack);
      const parsed = FleetWatch.safeParse(input);
      if (!parsed.success)
        return reply({ ok: false, error: `invalid fleet.watch: ${describeIssues(parsed.error)}` });
      try {
        await serial(FLEET_ROOM, async () => {
          if (watchingFleet || closed) return;
          await socket.join(FLEET_ROOM);
          await subscriptions.acquire(FLEET_CHANNEL);
          if (closed) await subscriptions.release(FLEET_CHANNEL);
          else watchingFleet = true;
        });
        reply({ ok: true });
      } catch (error) {
        logger.error('realtime: fleet.watch failed', error);
        reply({ ok: false, error: 'could not watch the fleet right now' });
      }
    };

    // Handlers never reject: every failure is answered through the ack.
    socket.on('run.watch', (input: unknown, ack: unknown) => void watchRun(input, ack));
    socket.on('run.unwatch', (input: unknown, ack: unknown) => void unwatchRun(input, ack));
    socket.on('fleet.watch', (input: unknown, ack: unknown) => void watchFleet(input, ack));

    socket.on('disconnect', () => {
      closed = true;
      for (const runId of watched) void subscriptions.release(runChannel(runId));
      watched.clear();
      if (watchingFleet) void subscriptions.release(FLEET_CHANNEL);
      watchingFleet = false;
    });
  });

  return {
    io,
    subscriptions,
    async close() {
      // Closes every transport (clients see "transport close" and reconnect to
      // whichever node is up, then gap-fill) and the HTTP server.
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      subscriber.disconnect();
    },
  };
}
