import { listTeams } from '@flightdeck/engine';
import { canAccessTeam } from '@flightdeck/domain';
import { isoDate } from '../../dto';
import { viewerProcedure } from '../../trpc';

export const list = viewerProcedure.query(async ({ ctx }) => {
  const teams = await listTeams(ctx.engine);
  return teams
    .filter((t) => canAccessTeam(ctx.viewer, t.id))
    .map((t) => ({
      id: t.id,
      slug: t.slug,
      name: t.name,
      description: t.description,
      currentVersion: t.currentVersion,
      agentCount: t.agentCount,
      updatedAt: isoDate(t.updatedAt),
    }));
});
