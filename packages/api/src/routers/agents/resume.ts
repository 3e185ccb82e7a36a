import { resumeAgent } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const ResumeAgentInput = z.object({ runId: RunId, agentId: AgentId }).strict();

export const resume = operatorProcedure.input(ResumeAgentInput).mutation(async ({ ctx, input }) => {
  const { paused } = await resumeAgent(ctx.engine, {
    runId: input.runId,
    agentId: input.agentId,
    by: ctx.viewer.actor,
  });
  return { paused };
});
