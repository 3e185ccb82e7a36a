import { listRunDescendants } from '@flightdeck/engine';
import { z } from 'zod';
import { toRunDto } from '../../dto';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const RunForksInput = z.object({ runId: RunId }).strict();

/** The runs that came from this one: its forks (with the step each started from) and re-runs. */
export const forks = viewerProcedure
  .input(RunForksInput)
  .query(async ({ ctx, input }) => (await listRunDescendants(ctx.engine, input)).map(toRunDto));
