import { loadRunStateWithTail } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const MAX_STATE_TAIL = 1_000;

export const RunStateInput = z
  .object({
    runId: RunId,
    /** How many of the newest events come with the state. */
    tail: z.number().int().min(0).max(MAX_STATE_TAIL).default(200),
  })
  .strict();

/**
 * A run's state now (from its server-side snapshot and the events after it)
 * and its newest events: what a run page shows first, before (or instead of)
 * reading the whole log.
 */
export const state = viewerProcedure.input(RunStateInput).query(async ({ ctx, input }) => {
  const view = await loadRunStateWithTail(ctx.engine, input.runId, input.tail);
  if (view.state.runId === null) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such run' });
  return { seq: view.state.lastSeq, state: view.state, tail: view.tail };
});
