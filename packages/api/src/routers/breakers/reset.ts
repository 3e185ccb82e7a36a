import { resetBreaker } from '@flightdeck/engine';
import { z } from 'zod';
import { RequiredReason, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const ResetBreakerInput = z
  .object({
    runId: RunId,
    /** The breaker's key: its kind (`cycle`, `repeatedCall` …) or `provider:<id>`. */
    breaker: z.string().min(1).max(120),
    /** Why it is safe to close it: recorded in the log and the audit trail. */
    reason: RequiredReason,
  })
  .strict();

/** Close an open breaker of a run (it counts afresh); what it paused stays paused until resumed. */
export const reset = operatorProcedure
  .input(ResetBreakerInput)
  .mutation(({ ctx, input }) => resetBreaker(ctx.engine, { ...input, by: ctx.viewer.actor }));
