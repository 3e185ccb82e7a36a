/**
 * The web process: Next.js (pages + the tRPC route handler) and Socket.IO on
 * one port, sharing one engine. Run with tsx: `npm run dev` / `npm start`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRouter, createContext } from '@flightdeck/api';
import { isDatabaseUnavailableError } from '@flightdeck/db';
import {
  checkReadiness,
  createAuth,
  createRedis,
  createSetupTokenIfNoAdmin,
  ensureDemoTeams,
  type Engine,
  readRunEvents,
  resolvePrincipal,
} from '@flightdeck/engine';
import { createOtlpRunTraceExporter, parseOtlpHeaders } from '@flightdeck/telemetry';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import next from 'next';
import { DEFAULT_AUTH_SECRET_FILE, EnvError, type Env, isDev, parseEnv } from '../src/env';
import { registerRuntime } from '../src/server-runtime';
import { handleAuthRequest, isAuthPath } from './auth/auth-routes';
import { isPublicPath, signInRedirect } from './auth/page-gate';
import { loadAuthSecret } from './auth/secret';
import { BootError, connectEngine } from './boot';
import { HttpError, isJson, sendJson, STATE_CHANGING, toHeaders } from './http/body';
import { announceSetupLink, logger } from './log';
import { attachRealtime, type Realtime } from './realtime/server';
import { ListenRefused, listenPlan } from './security/listen';
import { allowedOrigins, appOrigin, originAllowed } from './security/origins';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHUTDOWN_GRACE_MS = 10_000;

function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[web] ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const dev = isDev(env);
  let tls: ReturnType<typeof listenPlan>['tls'];
  try {
    tls = listenPlan(env).tls;
  } catch (error) {
    if (error instanceof ListenRefused) {
      console.error(`[web] cannot start: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const origin = appOrigin(env, tls !== null);
  const origins = allowedOrigins(env, tls !== null);

  let engine: Engine;
  try {
    engine = await connectEngine(env);
  } catch (error) {
    if (error instanceof BootError) {
      console.error(`[web] cannot start:\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // Run traces, derived from the events this process appends (spawns, kills, control), go to an OTLP collector when configured.
  const traces = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? createOtlpRunTraceExporter({
        endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
        headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
        serviceName: 'flightdeck-web',
        loadEvents: (runId, afterSeq) => readRunEvents(engine, { runId, afterSeq, limit: 1000 }),
      })
    : undefined;
  engine.recorded = traces;
  // The shipped teams are a convenience: failing to seed them must not keep the control plane down.
  try {
    const created = await ensureDemoTeams(engine);
    if (created.length) logger.info(`created demo teams: ${created.join(', ')}`);
  } catch (error) {
    logger.warn('could not create the demo teams; continuing without them', error);
  }

  const auth = createAuth({
    db: engine.db,
    secret: loadAuthSecret(env.FLIGHTDECK_AUTH_SECRET, DEFAULT_AUTH_SECRET_FILE),
    baseURL: origin,
    trustedOrigins: origins,
    secureCookies: tls !== null || origin.startsWith('https:'),
  });
  // Every request is judged afresh from PostgreSQL: a revoked token or session stops at once.
  const authenticate = (headers: Headers) => resolvePrincipal(engine, auth, headers);

  registerRuntime({
    viewer: async (headers) => {
      // Next hands its page a read-only Headers: authenticate a plain copy.
      const principal = await authenticate(new Headers(headers));
      if (!principal) return null;
      return {
        actor: { kind: principal.actor.kind, id: principal.actor.id },
        roles: [...principal.roles],
        teams: principal.teams === 'all' ? 'all' : [...principal.teams],
      };
    },
    handleTrpc: (req) =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req,
        router: appRouter,
        createContext: ({ req: request }) =>
          createContext({ engine, headers: request.headers, authenticate }),
        maxBatchSize: 16,
        onError: ({ error, path: procedure }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR')
            logger.error(`trpc ${procedure ?? '?'} failed`, error.cause ?? error);
        },
      }),
  });

  const nextApp = next({ dev, dir: appDir, hostname: env.HOST, port: env.PORT });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();

  let shuttingDown = false;
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0] ?? '/';
    if (pathname === '/healthz') {
      return sendJson(res, shuttingDown ? 503 : 200, { ok: !shuttingDown });
    }
    if (pathname === '/readyz') {
      if (shuttingDown) return sendJson(res, 503, { ok: false, reason: 'shutting down' });
      const result = await checkReadiness(engine).catch((error: unknown) => {
        logger.error('readiness check failed', error);
        return { ok: false as const, reason: 'readiness check failed' };
      });
      return sendJson(res, result.ok ? 200 : 503, result);
    }
    if (pathname.startsWith('/api/') && STATE_CHANGING.has(req.method ?? 'GET')) {
      // Cross-site requests cannot change state, and only JSON bodies do.
      if (!originAllowed(req, origins)) throw new HttpError(403, 'Origin not allowed');
      if (!isJson(req)) throw new HttpError(415, 'Send JSON (Content-Type: application/json)');
    }
    if (isAuthPath(pathname)) {
      return handleAuthRequest({
        req,
        res,
        pathname,
        auth,
        engine,
        origin,
        allowedOrigins: origins,
      });
    }
    if (!isPublicPath(pathname) && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!(await authenticate(toHeaders(req)))) {
        res.writeHead(302, { location: signInRedirect(url), 'cache-control': 'no-store' });
        res.end();
        return;
      }
    }
    await handle(req, res);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (!res.headersSent) sendJson(res, error.status, { error: error.message }, error.headers);
        else res.end();
        return;
      }
      if (isDatabaseUnavailableError(error)) {
        // A page's viewer is looked up in the database: while it is down, say so (503), briefly.
        if (!res.headersSent)
          sendJson(res, 503, { error: 'The database is unavailable; try again shortly.' });
        else res.end();
        return;
      }
      logger.error(`request ${req.method ?? ''} ${(req.url ?? '').split('?', 1)[0]} failed`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.end();
    });
  };
  const httpServer = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest)
    : createServer(onRequest);

  const subscriber = createRedis(env.REDIS_URL, 'web-subscriber');
  const realtime: Realtime = attachRealtime({
    httpServer,
    engine,
    subscriber,
    logger,
    authenticate,
    allowedOrigins: origins,
    recheckIntervalMs: env.SOCKET_SESSION_RECHECK_SECONDS * 1000,
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(env.PORT, env.HOST, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  logger.info(`ready on ${origin} (${dev ? 'development' : 'production'})`);
  // No default credentials: until an admin exists, each start prints a fresh one-time link.
  const setupToken = await createSetupTokenIfNoAdmin(engine);
  if (setupToken) announceSetupLink(`${origin}/setup?token=${setupToken}`);

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`${signal}: shutting down`);
    const force = setTimeout(() => {
      logger.warn('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      // Stop accepting, drop live sockets, let in-flight requests finish.
      const closing = realtime.close();
      httpServer.closeIdleConnections();
      await closing;
      await nextApp.close();
      await traces?.shutdown();
      await engine.close();
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', error);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  logger.error('web server crashed during boot', error);
  process.exit(1);
});
