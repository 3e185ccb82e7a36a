import { listRuns } from '@flightdeck/engine';
import { z } from 'zod';
import { toRunDto } from '../../dto';
import { MAX_RUNS_PAGE, RunStatusFilter, TeamSlug } from '../../schemas';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';

export const ListRunsInput = z
  .object({
    status: RunStatusFilter.optional(),
    teamSlug: TeamSlug.optional(),
    limit: z.number().int().min(1).max(MAX_RUNS_PAGE).default(50),
    /** Only runs created at or after this instant. */
    since: z.iso.datetime({ offset: true }).optional(),
    /** Keyset cursor: runs created strictly before this instant. */
    before: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const list = viewerProcedure.input(ListRunsInput).query(async ({ ctx, input }) => {
  const runs = await listRuns(ctx.engine, {
    status: input.status,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
    limit: input.limit,
    since: input.since,
    before: input.before,
  });
  return runs.map(toRunDto);
});
