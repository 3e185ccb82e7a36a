import { readWorkspaceFile } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const WorkspaceFileInput = z
  .object({
    runId: RunId,
    /** Relative to the run's workspace folder. */
    path: z.string().min(1).max(1024),
  })
  .strict();

/** One text file of a run's workspace (UTF-8, capped; escapes are refused by the use case). */
export const workspaceFile = viewerProcedure.input(WorkspaceFileInput).query(({ ctx, input }) => {
  return readWorkspaceFile(ctx.engine, { runId: input.runId, path: input.path });
});
