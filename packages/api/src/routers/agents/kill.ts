import { killAgent } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, RequiredReason, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const KillAgentInput = z
  .object({
    runId: RunId,
    agentId: AgentId,
    reason: RequiredReason,
  })
  .strict();

/** Kill one agent and its subagents while the team goes on; killing the lead kills the run. */
export const kill = operatorProcedure.input(KillAgentInput).mutation(async ({ ctx, input }) => {
  const { killed, run } = await killAgent(ctx.engine, {
    runId: input.runId,
    agentId: input.agentId,
    reason: input.reason,
    by: ctx.viewer.actor,
  });
  return { killed, run };
});
