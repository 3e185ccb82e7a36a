import { listWorkspaceFilesAt } from '@flightdeck/engine';
import { GitSha } from '@flightdeck/domain';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const WorkspaceFilesAtInput = z.object({ runId: RunId, commit: GitSha }).strict();

/** The files of a run's workspace as one recorded step left them (a commit of its history). */
export const workspaceFilesAt = viewerProcedure
  .input(WorkspaceFilesAtInput)
  .query(({ ctx, input }) => listWorkspaceFilesAt(ctx.engine, input));
