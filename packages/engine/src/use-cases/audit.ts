import {
  type AuditPage,
  type AuditVerification,
  createAuditCheckpointer,
  listAuditEntries,
  type ListAuditQuery,
  readAuditCheckpoints,
  verifyAuditChain,
} from '@flightdeck/db';
import { type AuditActionKind, auditActionsOf } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** The audit trail, newest first (the admin's audit page), optionally of one kind of action. */
export async function listAudit(
  engine: Engine,
  query: ListAuditQuery & { kind?: AuditActionKind },
): Promise<AuditPage> {
  const { kind, ...rest } = query;
  return listAuditEntries(engine.db, kind ? { ...rest, actions: auditActionsOf(kind) } : rest);
}

/**
 * Verifies the whole chain, and every checkpoint in the engine's checkpoint
 * file when one is configured; names the first bad entry.
 */
export async function verifyAudit(
  engine: Engine,
): Promise<AuditVerification & { checkpointFile: string | null }> {
  const file = engine.config.auditCheckpointFile ?? null;
  const checkpoints = file ? await readAuditCheckpoints(file) : [];
  const result = await verifyAuditChain(engine.db.pool, { checkpoints });
  return { ...result, checkpointFile: file };
}

export interface AuditCheckpointTimer {
  /** Stops the timer after one last checkpoint (so a clean shutdown leaves the head recorded). */
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, appends the chain's head to the engine's checkpoint file
 * if it moved (see createAuditCheckpointer). Failures are reported, never thrown.
 */
export function startAuditCheckpoints(
  engine: Engine,
  options: { intervalMs: number; onError: (error: unknown) => void },
): AuditCheckpointTimer {
  const file = engine.config.auditCheckpointFile;
  if (!file) throw new Error('startAuditCheckpoints needs engine.config.auditCheckpointFile');
  const checkpointer = createAuditCheckpointer(engine.db, file);
  // One checkpoint at a time: a tick while one is in flight joins it.
  let inFlight: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        await checkpointer.checkpoint();
      } catch (error) {
        options.onError(error);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await tick();
    },
  };
}
