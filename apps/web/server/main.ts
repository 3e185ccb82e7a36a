/**
 * The web process: Next.js (pages + the tRPC route handler) and Socket.IO on
 * one port, sharing one engine. Run with tsx: `npm run dev` / `npm start`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRouter, createContext } from '@flightdeck/api';
import {
  checkReadiness,
  createRedis,
  ensureDemoTeams,
  type Engine,
  readRunEvents,
} from '@flightdeck/engine';
import { createOtlpRunTraceExporter, parseOtlpHeaders } from '@flightdeck/telemetry';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import next from 'next';
import { EnvError, type Env, isDev, parseEnv } from '../src/env';
import { registerRuntime } from '../src/server-runtime';
import { BootError, connectEngine } from './boot';
import { logger } from './log';
import { attachRealtime, type Realtime } from './realtime/server';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHUTDOWN_GRACE_MS = 10_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

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

  registerRuntime({
    handleTrpc: (req) =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req,
        router: appRouter,
        createContext: ({ req: request }) => createContext({ engine, headers: request.headers }),
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
  const httpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname === '/healthz') {
      return sendJson(res, shuttingDown ? 503 : 200, { ok: !shuttingDown });
    }
    if (pathname === '/readyz') {
      if (shuttingDown) return sendJson(res, 503, { ok: false, reason: 'shutting down' });
      checkReadiness(engine).then(
        (result) => sendJson(res, result.ok ? 200 : 503, result),
        (error: unknown) => {
          logger.error('readiness check failed', error);
          sendJson(res, 503, { ok: false, reason: 'readiness check failed' });
        },
      );
      return;
    }
    handle(req, res).catch((error: unknown) => {
      logger.error(`request ${req.method ?? ''} ${pathname ?? ''} failed`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.end();
    });
  });

  const subscriber = createRedis(env.REDIS_URL, 'web-subscriber');
  const realtime: Realtime = attachRealtime({ httpServer, engine, subscriber, logger });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(env.PORT, env.HOST, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  logger.info(
    `ready on http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT} (${dev ? 'development' : 'production'})`,
  );

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
