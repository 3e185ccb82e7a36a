import { z } from 'zod';
import type { Actor } from '../events/schema';

/**
 * Who may do what. Roles are a set, not a ladder: an approver decides
 * approvals but cannot kill; an operator spawns and controls runs but cannot
 * decide approvals; admin holds every permission.
 */
export const Role = z.enum(['viewer', 'operator', 'approver', 'admin']);
export type Role = z.infer<typeof Role>;

export const PERMISSIONS = [
  /** See the fleet, runs, traces, costs, teams, approvals. */
  'fleet.read',
  /** Spawn, pause, resume, steer, kill; decide interrupted tool calls. */
  'runs.control',
  /** Decide approvals. */
  'approvals.decide',
  /** Teams and their manifests, policies, budgets and breakers. */
  'governance.write',
  /** Users, invitations, API tokens, the audit trail. */
  'accounts.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['fleet.read'],
  operator: ['fleet.read', 'runs.control'],
  approver: ['fleet.read', 'approvals.decide'],
  admin: PERMISSIONS,
};

/** The server's view of whoever is calling: resolved from a session or token, never from the client. */
export interface Principal {
  actor: Actor;
  roles: readonly Role[];
  /** Teams this principal may see and act on; `all` for every team. */
  teams: 'all' | readonly string[];
}

export function can(principal: Principal, permission: Permission): boolean {
  return principal.roles.some((role) => GRANTS[role].includes(permission));
}

export function canAccessTeam(principal: Principal, teamId: string): boolean {
  return principal.teams === 'all' || principal.teams.includes(teamId);
}

/** Roles and teams: what a person, an invitation or an API token is granted. */
export interface AccessScope {
  roles: readonly Role[];
  teams: 'all' | readonly string[];
}

/** Every permission some role of `roles` gives. */
export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((role) => GRANTS[role]));
}

/**
 * What `grant` would give beyond what `holder` holds: the roles with a
 * permission the holder lacks (roles are judged by their permissions, so an
 * admin holds every role), and the teams outside the holder's (`all` when the
 * grant is every team and the holder is not). Nothing beyond: both empty.
 */
export function accessBeyond(
  holder: AccessScope,
  grant: AccessScope,
): { roles: Role[]; teams: 'all' | string[] } {
  const held = permissionsOf(holder.roles);
  const roles = [...new Set(grant.roles)].filter((role) =>
    GRANTS[role].some((permission) => !held.has(permission)),
  );
  if (holder.teams === 'all') return { roles, teams: [] };
  if (grant.teams === 'all') return { roles, teams: 'all' };
  const holderTeams = new Set(holder.teams);
  return { roles, teams: [...new Set(grant.teams)].filter((team) => !holderTeams.has(team)) };
}

/** Whether `grant` stays within what `holder` holds. */
export function isWithin(holder: AccessScope, grant: AccessScope): boolean {
  const beyond = accessBeyond(holder, grant);
  return beyond.roles.length === 0 && beyond.teams !== 'all' && beyond.teams.length === 0;
}

/**
 * `grant` narrowed to what `holder` holds now: the roles whose every
 * permission the holder has, and the teams both have. How an API token is
 * judged at each use, so a token never outlives a demotion of its creator.
 */
export function capAccess(holder: AccessScope, grant: AccessScope): AccessScope {
  const beyond = accessBeyond(holder, grant);
  const roles = [...new Set(grant.roles)].filter((role) => !beyond.roles.includes(role));
  if (grant.teams === 'all')
    return { roles, teams: holder.teams === 'all' ? 'all' : [...holder.teams] };
  if (holder.teams === 'all') return { roles, teams: [...new Set(grant.teams)] };
  const holderTeams = new Set(holder.teams);
  return { roles, teams: [...new Set(grant.teams)].filter((team) => holderTeams.has(team)) };
}
