import { runBudgetStatus } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const RunBudgetInput = z.object({ runId: RunId }).strict();

/** A run's budgets: every scope covering it, with used, reserved and projected exhaustion. */
export const run = viewerProcedure
  .input(RunBudgetInput)
  .query(({ ctx, input }) => runBudgetStatus(ctx.engine, input.runId));
