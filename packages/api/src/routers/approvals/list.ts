import { listApprovalRecords } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';

export const ListApprovalsInput = z
  .object({
    /** The inbox (pending) or the history (everything decided, expired or cancelled). */
    state: z.enum(['pending', 'decided']).default('pending'),
    runId: RunId.optional(),
    limit: z.number().int().min(1).max(500).default(100),
    before: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Approvals across all runs the caller may see, or of one run. */
export const list = viewerProcedure.input(ListApprovalsInput).query(({ ctx, input }) =>
  listApprovalRecords(ctx.engine, {
    ...input,
    teamIds: teamFilter(ctx.viewer),
  }),
);
