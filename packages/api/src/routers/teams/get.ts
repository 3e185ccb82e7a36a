import { type Manifest } from '@flightdeck/domain';
import { getTeam } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const GetTeamInput = z.object({ slug: TeamSlug }).strict();

export interface ToolGrantDto {
  name: string;
  /** The grant's scope in a few words (paths, commands, hosts), or null for the default scope. */
  scope: string | null;
}

export interface TeamAgentDto {
  key: string;
  role: string;
  model: string;
  tools: ToolGrantDto[];
  delegates: string[];
  maxTurns: number;
  isLead: boolean;
}

const SCOPE_KEYS = ['paths', 'commands', 'hosts', 'tools'] as const;

/** A tool grant (a bare name or a scoped object) as a name and a short scope. */
function grantDto(grant: unknown): ToolGrantDto {
  if (typeof grant === 'string') return { name: grant, scope: null };
  const g = (grant ?? {}) as Record<string, unknown>;
  const name = typeof g.name === 'string' ? g.name : 'unknown';
  for (const key of SCOPE_KEYS) {
    const value = g[key];
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      !(key === 'paths' && value.length === 1 && value[0] === '**')
    ) {
      const text = value.map(String).join(', ');
      return { name, scope: text.length > 120 ? `${text.slice(0, 119)}…` : text };
    }
  }
  return { name, scope: null };
}

/** The lead first, then the others by key. */
function agentsOf(manifest: Manifest): TeamAgentDto[] {
  const entries = Object.entries(manifest.agents).sort(([a], [b]) =>
    a === manifest.lead ? -1 : b === manifest.lead ? 1 : a.localeCompare(b),
  );
  return entries.map(([key, a]) => ({
    key,
    role: a.role,
    model: `${a.model.provider}/${a.model.name}`,
    tools: a.tools.map(grantDto),
    delegates: [...a.delegates],
    maxTurns: a.limits.maxTurns,
    isLead: key === manifest.lead,
  }));
}

export const get = viewerProcedure.input(GetTeamInput).query(async ({ ctx, input }) => {
  const team = await getTeam(ctx.engine, { slug: input.slug });
  if (!team) throw new TRPCError({ code: 'NOT_FOUND', message: `No team "${input.slug}"` });
  const manifest = team.manifest;
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    description: team.description,
    currentVersion: team.currentVersion,
    source: team.source,
    lead: manifest.lead,
    agents: agentsOf(manifest),
    limits: { ...manifest.limits },
    simulation: { ...manifest.simulation },
  };
});
