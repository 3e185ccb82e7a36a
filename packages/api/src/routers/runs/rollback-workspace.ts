import { rollbackWorkspace } from '@flightdeck/engine';
import { z } from 'zod';
import { RequiredReason, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const RollbackWorkspaceInput = z
  .object({
    runId: RunId,
    /** Restore the workspace as it was right after this step (0: before anything was written). */
    toSeq: z.number().int().nonnegative(),
    reason: RequiredReason,
  })
  .strict();

/** Roll a paused or ended run's workspace back to a step; recorded as an event with its audit entry. */
export const rollbackWorkspaceProcedure = operatorProcedure
  .input(RollbackWorkspaceInput)
  .mutation(({ ctx, input }) => rollbackWorkspace(ctx.engine, { ...input, by: ctx.viewer.actor }));
