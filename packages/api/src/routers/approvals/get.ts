import { getApprovalRecord } from '@flightdeck/engine';
import { z } from 'zod';
import { viewerProcedure } from '../../trpc';

export const GetApprovalInput = z.object({ approvalId: z.uuid() }).strict();

/** One approval (team scoping is checked on its id, like every input). */
export const get = viewerProcedure
  .input(GetApprovalInput)
  .query(({ ctx, input }) => getApprovalRecord(ctx.engine, input.approvalId));
