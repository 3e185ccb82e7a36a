'use client';

import { Role } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/client/trpc';

export type TeamScope = 'all' | string[];

export interface AccessValue {
  roles: Role[];
  teams: TeamScope;
}

export const ROLE_HELP: Record<Role, string> = {
  viewer: 'sees the fleet, runs, costs and teams',
  operator: 'spawns, pauses, resumes, steers and kills runs',
  approver: 'decides approvals',
  admin: 'everything: policies, budgets, users and tokens',
};

/** Roles (a set) and the teams they apply to: every team, or some. */
export function AccessFields({
  value,
  onChange,
  idPrefix,
}: {
  value: AccessValue;
  onChange: (value: AccessValue) => void;
  idPrefix: string;
}) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const toggleRole = (role: Role) =>
    onChange({
      ...value,
      roles: value.roles.includes(role)
        ? value.roles.filter((r) => r !== role)
        : [...value.roles, role],
    });
  const picked = value.teams === 'all' ? [] : value.teams;
  const toggleTeam = (id: string) =>
    onChange({
      ...value,
      teams: picked.includes(id) ? picked.filter((t) => t !== id) : [...picked, id],
    });

  return (
    <div className="grid gap-3">
      <fieldset className="grid gap-1.5">
        <legend className="mb-1 text-sm font-medium">Roles</legend>
        {Role.options.map((role) => (
          <label key={role} className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5"
              data-testid={`${idPrefix}-role-${role}`}
              checked={value.roles.includes(role)}
              onChange={() => toggleRole(role)}
            />
            <span>
              <span className="font-medium">{role}</span>{' '}
              <span className="text-muted-foreground">— {ROLE_HELP[role]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="grid gap-1.5">
        <legend className="mb-1 text-sm font-medium">Teams</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name={`${idPrefix}-teams`}
            checked={value.teams === 'all'}
            onChange={() => onChange({ ...value, teams: 'all' })}
          />
          Every team (and teams created later)
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name={`${idPrefix}-teams`}
            data-testid={`${idPrefix}-teams-some`}
            checked={value.teams !== 'all'}
            onChange={() => onChange({ ...value, teams: [] })}
          />
          Only these teams:
        </label>
        {value.teams !== 'all' && (
          <div className="ml-6 grid gap-1">
            {(teams.data ?? []).map((team) => (
              <label key={team.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  data-testid={`${idPrefix}-team-${team.slug}`}
                  checked={picked.includes(team.id)}
                  onChange={() => toggleTeam(team.id)}
                />
                {team.name}{' '}
                <span className="font-mono text-xs text-muted-foreground">{team.slug}</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
    </div>
  );
}

export function TeamsLabel({ teams }: { teams: TeamScope }) {
  const trpc = useTRPC();
  const all = useQuery(trpc.teams.list.queryOptions());
  if (teams === 'all') return <span>every team</span>;
  const names = teams.map((id) => all.data?.find((t) => t.id === id)?.slug ?? id.slice(0, 8));
  return <span>{names.length ? names.join(', ') : 'no team'}</span>;
}
