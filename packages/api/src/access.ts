import { canAccessTeam, type Principal } from '@flightdeck/domain';
import { type Engine, getRun, getApprovalRecord, getTeam } from '@flightdeck/engine';
import { TRPCError } from '@trpc/server';

/**
 * Team scoping, in one place: every authorized procedure passes its raw input
 * through `assertInputScope` (trpc.ts), so an id of a team the caller has no
 * access to is refused whatever the procedure. List queries narrow to
 * `teamFilter(viewer)`.
 */

const refuse = () =>
  new TRPCError({ code: 'FORBIDDEN', message: 'This belongs to a team you have no access to' });

/** Team ids to filter list queries by: undefined means every team. */
export function teamFilter(viewer: Principal): readonly string[] | undefined {
  return viewer.teams === 'all' ? undefined : viewer.teams;
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Refuses input naming a run (`runId`), a team (`teamId`) or a team slug
 * (`teamSlug`, `slug`) outside the caller's teams. Unknown ids pass: the use
 * case answers NOT_FOUND as it would for anyone.
 */
export async function assertInputScope(
  engine: Engine,
  viewer: Principal,
  input: unknown,
): Promise<void> {
  if (viewer.teams === 'all') return;
  const teamId = field(input, 'teamId');
  if (teamId !== undefined && !canAccessTeam(viewer, teamId)) throw refuse();
  const runId = field(input, 'runId');
  if (runId !== undefined) {
    const run = await getRun(engine, { runId });
    if (run && !canAccessTeam(viewer, run.teamId)) throw refuse();
  }
  for (const key of ['teamSlug', 'slug']) {
    const slug = field(input, key);
    if (slug === undefined) continue;
    const team = await getTeam(engine, { slug });
    if (team && !canAccessTeam(viewer, team.id)) throw refuse();
  }
  const approvalId = field(input, 'approvalId');
  if (approvalId !== undefined) {
    const approval = await getApprovalRecord(engine, approvalId).catch(() => null);
    if (approval && !canAccessTeam(viewer, approval.teamId)) throw refuse();
  }
}
