import { listWorkspaceFiles } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const WorkspaceFilesInput = z.object({ runId: RunId }).strict();

/** The files in a run's workspace folder (recursive, sorted, capped; [] before the run wrote any). */
export const workspaceFiles = viewerProcedure.input(WorkspaceFilesInput).query(({ ctx, input }) => {
  return listWorkspaceFiles(ctx.engine, { runId: input.runId });
});
