import { countPending } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';

/** How many approvals wait for a decision: the count in the navigation. */
export const pendingCount = viewerProcedure.query(async ({ ctx }) => ({
  pending: await countPending(ctx.engine, teamFilter(ctx.viewer)),
}));
