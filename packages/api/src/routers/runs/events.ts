import { readRunEvents } from '@flightdeck/engine';
import { z } from 'zod';
import { MAX_HISTORY_PAGE, RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const RunEventsInput = z
  .object({
    runId: RunId,
    afterSeq: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(MAX_HISTORY_PAGE).default(500),
  })
  .strict();

/** A page of a run's log after `afterSeq`, in seq order (replay, export). */
export const events = viewerProcedure.input(RunEventsInput).query(async ({ ctx, input }) => {
  const page = await readRunEvents(ctx.engine, {
    runId: input.runId,
    afterSeq: input.afterSeq,
    limit: input.limit,
  });
  const last = page.at(-1);
  return { events: page, nextAfterSeq: page.length === input.limit && last ? last.seq : null };
});
