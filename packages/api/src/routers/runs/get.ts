import { getRun } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { toRunDto } from '../../dto';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const GetRunInput = z.object({ runId: RunId }).strict();

export const get = viewerProcedure.input(GetRunInput).query(async ({ ctx, input }) => {
  const run = await getRun(ctx.engine, { runId: input.runId });
  if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such run' });
  return toRunDto(run);
});
