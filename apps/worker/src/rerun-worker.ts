import { rerunRecorded, type ToolRegistry } from '@flightdeck/agents';
import { setRerunReport } from '@flightdeck/db';
import { createProcessor, createRedis, type Engine, QUEUES } from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import { Worker } from 'bullmq';

/** Deterministic re-runs: recorded model responses and tool results, no live call; the verdict is stored on the re-run. */
export function startRerunWorker(
  deps: { engine: Engine; log: Logger; tools: ToolRegistry },
  options: { name: string },
): Worker {
  const { engine, log } = deps;
  const processor = createProcessor({
    'run.rerun': async (payload) => {
      try {
        const { report } = await rerunRecorded(deps, payload);
        log.info('re-run done', {
          ...payload,
          identical: report.identical,
          matched: report.matched,
        });
      } catch (error) {
        log.error('re-run failed', { ...payload, error });
        await setRerunReport(engine.db, payload.rerunId, {
          identical: false,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    },
  });
  return new Worker(QUEUES.replays, processor, {
    connection: createRedis(engine.config.redisUrl, `${options.name}:replays`, {
      maxRetriesPerRequest: null,
    }),
    prefix: engine.config.queuePrefix,
    concurrency: 1,
    name: options.name,
  });
}
