import { getCostSummary } from '@flightdeck/engine';
import { teamFilter } from '../../access';
import { viewerProcedure } from '../../trpc';
import { CostsInput, toSumsDto } from './input';

/** KPIs: today, this month, the last hour's burn rate, the range's totals and its teams. */
export const summary = viewerProcedure.input(CostsInput).query(async ({ ctx, input }) => {
  const s = await getCostSummary(ctx.engine, {
    range: input.range,
    teamSlug: input.teamSlug,
    teamIds: teamFilter(ctx.viewer),
  });
  const teams = s.teams.map((t) => ({
    teamSlug: t.teamSlug,
    teamName: t.teamName,
    ...toSumsDto(t),
  }));
  return {
    today: toSumsDto(s.today),
    month: toSumsDto(s.month),
    burnRateMicroUsdPerHour: s.burnRateMicroUsdPerHour,
    range: toSumsDto(s.range),
    topTeam: s.topTeam
      ? { teamSlug: s.topTeam.teamSlug, teamName: s.topTeam.teamName, ...toSumsDto(s.topTeam) }
      : null,
    teams,
  };
});
