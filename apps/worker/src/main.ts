import { createProviderRegistry, createToolRegistry, McpToolHost } from '@flightdeck/agents';
import { readEvents } from '@flightdeck/db';
import {
  createEngine,
  reconcileRunsIfLeader,
  startAuditCheckpoints,
  sweepDueApprovals,
} from '@flightdeck/engine';
import {
  createLogger,
  createOtlpRunTraceExporter,
  parseOtlpHeaders,
  setLogLevel,
} from '@flightdeck/telemetry';
import { hostname } from 'node:os';
import { loadEnv, providerConfig } from './env';
import { startTimerWorker } from './timer-worker';
import { startRerunWorker } from './rerun-worker';
import { startNotificationWorker } from './notification-worker';
import { startTurnWorker } from './turn-worker';

const log = createLogger('worker');

async function main(): Promise<void> {
  const env = loadEnv();
  setLogLevel(env.LOG_LEVEL);
  const engine = await createEngine({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX,
    workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT,
    auditCheckpointFile: env.FLIGHTDECK_AUDIT_CHECKPOINT,
  });
  const name = `worker-${hostname()}-${process.pid}`;
  // Run traces, derived from the events this process appends, go to an OTLP collector when one is configured.
  const traces = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? createOtlpRunTraceExporter({
        endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
        headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
        serviceName: 'flightdeck-worker',
        resourceAttributes: { 'service.instance.id': name },
        loadEvents: (runId, afterSeq) => readEvents(engine.db, runId, { afterSeq }),
        logger: log.child({ component: 'traces' }),
      })
    : undefined;
  engine.recorded = traces;
  const providers = createProviderRegistry(providerConfig(env));
  const turns = await startTurnWorker(
    { engine, providers, tools: createToolRegistry(), mcp: new McpToolHost(), log },
    {
      concurrency: env.WORKER_CONCURRENCY,
      name,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    },
  );
  const timers = startTimerWorker(engine, log, { name });
  const reruns = startRerunWorker({ engine, log, tools: createToolRegistry() }, { name });
  const notifications = await startNotificationWorker(
    { engine, log },
    { name, publicUrl: env.FLIGHTDECK_PUBLIC_URL, concurrency: env.WEBHOOK_CONCURRENCY },
  );
  log.info('worker ready', {
    name,
    concurrency: env.WORKER_CONCURRENCY,
    providers: Object.keys(providers),
  });

  // Runs never stay stuck: one worker at a time re-queues what PostgreSQL says is missing.
  const reconcile = async () => {
    try {
      const result = await reconcileRunsIfLeader(engine, env.RECONCILE_INTERVAL_MS);
      if (result && (result.requeued || result.retried)) log.info('reconciled runs', result);
      // Approval timers lost with Redis still fire: whatever is due is warned or expired.
      if (result) {
        const swept = await sweepDueApprovals(engine);
        if (swept) log.info('swept due approvals', { swept });
      }
    } catch (error) {
      log.warn('reconcile failed', { error });
    }
  };
  await reconcile();
  const reconciler = setInterval(() => void reconcile(), env.RECONCILE_INTERVAL_MS);

  // The audit chain's head, checkpointed outside PostgreSQL whenever it moved.
  const auditCheckpoints = startAuditCheckpoints(engine, {
    intervalMs: env.AUDIT_CHECKPOINT_INTERVAL_MS,
    onError: (error) => log.warn('audit checkpoint failed', { error }),
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('worker stopping', { signal, activeTurns: turns.activeTurns() });
    clearInterval(reconciler);
    await auditCheckpoints.stop();
    await turns.close();
    await timers.close();
    await reruns.close();
    await notifications.close();
    await traces?.shutdown();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
