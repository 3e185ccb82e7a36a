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
