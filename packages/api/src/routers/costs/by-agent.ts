import { getCostByAgent } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';
import { CostsRankingInput, toSumsDto } from './input';

/** Spend per agent name within its team, most expensive first. */
export const byAgent = viewerProcedure.input(CostsRankingInput).query(async ({ ctx, input }) => {
  const rows = await getCostByAgent(ctx.engine, {
    range: input.range,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
    limit: input.limit,
  });
  return rows.map((r) => ({
    agentName: r.agentName,
    teamSlug: r.teamSlug,
    teamName: r.teamName,
    agents: r.agents,
    ...toSumsDto(r),
  }));
});
