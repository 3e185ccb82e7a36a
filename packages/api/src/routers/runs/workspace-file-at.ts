import { readWorkspaceFileAt } from '@flightdeck/engine';
import { GitSha } from '@flightdeck/domain';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const WorkspaceFileAtInput = z
  .object({ runId: RunId, commit: GitSha, path: z.string().min(1).max(1024) })
  .strict();

/** One file as a recorded step of the workspace held it (UTF-8, capped). */
export const workspaceFileAt = viewerProcedure
  .input(WorkspaceFileAtInput)
  .query(({ ctx, input }) => readWorkspaceFileAt(ctx.engine, input));
