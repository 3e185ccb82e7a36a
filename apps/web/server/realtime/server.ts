import type { Server as HttpServer, IncomingMessage } from 'node:http';
import {
  type Ack,
  ApprovalChanged,
  can,
  canAccessTeam,
  type ClientToServerEvents,
  type Principal,
  type RunEvent,
  type ServerToClientEvents,
  UnwatchRun,
  WATCH_GAP_FILL_LIMIT,
  WatchRun,
} from '@flightdeck/domain';
import {
  APPROVALS_CHANNEL,
  type Engine,
  FLEET_CHANNEL,
  getRun,
  readRunEvents,
  runChannel,
} from '@flightdeck/engine';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { MessageBudget, SOCKET_EVENT_PERMISSIONS, SOCKET_MESSAGE_LIMIT } from './access';
import { ChannelSubscriptions } from './subscriptions';

/** Client messages are tiny ({ runId, afterSeq }); anything bigger is hostile. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Runs one socket may watch at once (a page watches one; tabs share nothing). */
const MAX_WATCHED_RUNS_PER_SOCKET = 32;

/** fleet.watch and approvals.watch take nothing. */
const FeedWatch = z.union([z.undefined(), z.null(), z.object({}).strict()]);

/** Fleet summaries go to the room of their team, and to the room of sockets that see every team. */
const FLEET_ALL_ROOM = 'fleet:all';
const fleetTeamRoom = (teamId: string) => `fleet:team:${teamId}`;
/** Approval changes, likewise per team. */
const APPROVALS_ALL_ROOM = 'approvals:all';
const approvalsTeamRoom = (teamId: string) => `approvals:team:${teamId}`;
/** Feeds delivered per team: one room for sockets that see every team, one room per team. */
const TEAM_FEEDS = {
  fleet: { channel: FLEET_CHANNEL, allRoom: FLEET_ALL_ROOM, teamRoom: fleetTeamRoom },
  approvals: {
    channel: APPROVALS_CHANNEL,
    allRoom: APPROVALS_ALL_ROOM,
    teamRoom: approvalsTeamRoom,
  },
} as const;
type TeamFeed = keyof typeof TEAM_FEEDS;
/** Runs whose team the relay has looked up (a run never changes team). */
const MAX_CACHED_RUN_TEAMS = 10_000;
const RUN_CHANNEL_PREFIX = runChannel('');
const runRoom = (runId: string) => `run:${runId}`;

interface SocketData {
  principal: Principal;
  /** The handshake's credentials (cookie, authorization), to re-check the session with. */
  credentials: Headers;
}

type FdServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type FdSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** Resolves a principal from credentials; null when they are missing, revoked or expired. */
export type Authenticate = (headers: Headers) => Promise<Principal | null>;

const DEFAULT_RECHECK_MS = 30_000;

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

/** Browsers send Origin on every WebSocket handshake: a page of another site is refused. */
function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // scripts: they still need a session or token
  return allowed.includes(origin);
}

/** The credentials a handshake presented: the session cookie, or an API token (header or `auth.token`). */
function credentialsOf(socket: FdSocket): Headers {
  const headers = new Headers();
  const { cookie, authorization } = socket.request.headers;
  if (typeof cookie === 'string') headers.set('cookie', cookie);
  if (typeof authorization === 'string') headers.set('authorization', authorization);
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string' && token.length <= 200)
    headers.set('authorization', `Bearer ${token}`);
  return headers;
}

const sameAccess = (a: Principal, b: Principal) =>
  JSON.stringify([[...a.roles].sort(), a.teams]) === JSON.stringify([[...b.roles].sort(), b.teams]);

/** A reply function that tolerates clients which sent no ack callback. */
function replier<T>(ack: unknown): (result: T) => void {
  return typeof ack === 'function' ? (ack as (result: T) => void) : () => undefined;
}

export function attachRealtime(options: {
  httpServer: HttpServer;
  engine: Engine;
  subscriber: Redis;
  logger: Logger;
  authenticate: Authenticate;
  /** Origins whose pages may open a socket. */
  allowedOrigins: readonly string[];
  /** How often every socket's session is checked again (revoked → disconnected). Default 30 s. */
  recheckIntervalMs?: number;
}): Realtime {
  const { httpServer, engine, subscriber, logger, authenticate, allowedOrigins } = options;

  const io: FdServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    transports: ['websocket', 'polling'],
    // Next's dev server owns other upgrade requests (HMR) on this port.
    destroyUpgrade: false,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    allowRequest: (req, callback) => callback(null, originAllowed(req, allowedOrigins)),
  });

  // Authenticated in the handshake: no session or token, no socket.
  io.use((socket, next) => {
    const credentials = credentialsOf(socket);
    authenticate(credentials).then(
      (principal) => {
        if (!principal) return next(new Error('unauthorized'));
        socket.data.principal = principal;
        socket.data.credentials = credentials;
        next();
      },
      (error: unknown) => {
        logger.error('realtime: handshake authentication failed', error);
        next(new Error('authentication unavailable'));
      },
    );
  });

  // Sessions are checked again on a timer: a revoked or expired one is cut; changed access reconnects.
  const recheck = async (): Promise<void> => {
    for (const socket of io.sockets.sockets.values()) {
      try {
        const principal = await authenticate(socket.data.credentials);
        if (!principal || !sameAccess(principal, socket.data.principal)) socket.disconnect(true);
      } catch (error) {
        logger.warn('realtime: session re-check failed', error);
      }
    }
  };
  let rechecking = false;
  const recheckTimer = setInterval(() => {
    if (rechecking) return;
    rechecking = true;
    void recheck().finally(() => {
      rechecking = false;
    });
  }, options.recheckIntervalMs ?? DEFAULT_RECHECK_MS);
  recheckTimer.unref();

  const subscriptions = new ChannelSubscriptions(subscriber, (error, channel) =>
    logger.warn(`realtime: redis (un)subscribe failed for ${channel}`, error),
  );

  const runTeams = new Map<string, string>();
  const teamOfRun = async (runId: string): Promise<string | null> => {
    const known = runTeams.get(runId);
    if (known) return known;
    const run = await getRun(engine, { runId });
    if (!run) return null;
    if (runTeams.size >= MAX_CACHED_RUN_TEAMS) runTeams.clear();
    runTeams.set(runId, run.teamId);
    return run.teamId;
  };

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
        const teamId = (message as { teamId?: unknown }).teamId;
        const rooms =
          typeof teamId === 'string' ? [FLEET_ALL_ROOM, fleetTeamRoom(teamId)] : [FLEET_ALL_ROOM];
        io.to(rooms).emit('fleet.run', message as never);
      }
      return;
    }
    if (channel === APPROVALS_CHANNEL) {
      const change = ApprovalChanged.safeParse(message);
      if (!change.success) return logger.warn('realtime: malformed approvals message');
      void teamOfRun(change.data.runId).then(
        (teamId) =>
          io
            .to(teamId ? [APPROVALS_ALL_ROOM, approvalsTeamRoom(teamId)] : [APPROVALS_ALL_ROOM])
            .emit('approvals.changed', change.data),
        (error: unknown) => logger.warn('realtime: approvals relay failed', error),
      );
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
    /** Team feeds this socket watches. */
    const feeds = new Set<TeamFeed>();
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
        // Another team's run is as good as absent.
        if (!run || !canAccessTeam(socket.data.principal, run.teamId))
          throw new WatchRefused('no such run');
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

    /** Joins the feed's rooms of the teams this socket may see, with a reference on its channel. */
    const watchFeed =
      (feed: TeamFeed) =>
      async (input: unknown, ack: unknown): Promise<void> => {
        const reply = replier<Ack>(ack);
        const parsed = FeedWatch.safeParse(input);
        if (!parsed.success)
          return reply({
            ok: false,
            error: `invalid ${feed}.watch: ${describeIssues(parsed.error)}`,
          });
        const { channel, allRoom, teamRoom } = TEAM_FEEDS[feed];
        try {
          await serial(feed, async () => {
            if (feeds.has(feed) || closed) return;
            const teams = socket.data.principal.teams;
            await socket.join(teams === 'all' ? allRoom : teams.map(teamRoom));
            await subscriptions.acquire(channel);
            if (closed) await subscriptions.release(channel);
            else feeds.add(feed);
          });
          reply({ ok: true });
        } catch (error) {
          logger.error(`realtime: ${feed}.watch failed`, error);
          reply({ ok: false, error: `could not watch the ${feed} right now` });
        }
      };

    // Every message: within the socket's budget, and allowed to its principal's roles.
    const budget = new MessageBudget(SOCKET_MESSAGE_LIMIT.limit, SOCKET_MESSAGE_LIMIT.windowMs);
    const guarded =
      (
        event: keyof ClientToServerEvents,
        handler: (input: unknown, ack: unknown) => Promise<void>,
      ) =>
      (input: unknown, ack: unknown): void => {
        const verdict = budget.hit(SOCKET_MESSAGE_LIMIT.disconnectAfter);
        if (verdict === 'cut') {
          socket.disconnect(true);
          return;
        }
        const reply = replier<Ack>(ack);
        if (verdict === 'refuse') return reply({ ok: false, error: 'rate limited: slow down' });
        if (!can(socket.data.principal, SOCKET_EVENT_PERMISSIONS[event]))
          return reply({ ok: false, error: 'forbidden' });
        void handler(input, ack);
      };

    // Handlers never reject: every failure is answered through the ack.
    socket.on('run.watch', guarded('run.watch', watchRun));
    socket.on('run.unwatch', guarded('run.unwatch', unwatchRun));
    socket.on('fleet.watch', guarded('fleet.watch', watchFeed('fleet')));
    socket.on('approvals.watch', guarded('approvals.watch', watchFeed('approvals')));

    socket.on('disconnect', () => {
      closed = true;
      for (const runId of watched) void subscriptions.release(runChannel(runId));
      watched.clear();
      for (const feed of feeds) void subscriptions.release(TEAM_FEEDS[feed].channel);
      feeds.clear();
    });
  });

  return {
    io,
    subscriptions,
    async close() {
      clearInterval(recheckTimer);
      // Closes every transport (clients see "transport close" and reconnect to
      // whichever node is up, then gap-fill) and the HTTP server.
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      subscriber.disconnect();
    },
  };
}
