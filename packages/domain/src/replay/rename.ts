import type { EventDraft, RunEvent } from '../events/schema';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The ids a copy of a run's history must not share with its origin: agents and
 * approvals are unique across runs, as is the run itself. Everything else
 * (team, manifest, seeds) stays.
 */
export function idsToRename(events: readonly RunEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const event of events) {
    ids.add(event.runId);
    if (event.type === 'agent.spawned' && event.agentId) ids.add(event.agentId);
    if (event.type === 'approval.requested') ids.add(event.payload.approvalId);
  }
  return ids;
}

/**
 * A copy of `events` with every occurrence of a renamed id replaced (in the
 * envelope and anywhere in a payload: call ids embed agent ids) and the trace
 * id changed, as drafts for another run. Ids not in `renames` are kept.
 */
export function renameEvents(
  events: readonly RunEvent[],
  renames: ReadonlyMap<string, string>,
  traceId: string,
): EventDraft[] {
  const swap = (text: string) => text.replace(UUID, (id) => renames.get(id.toLowerCase()) ?? id);
  return events.map((event) => {
    const { runId: _runId, seq: _seq, version: _version, ...rest } = event;
    const renamed = JSON.parse(swap(JSON.stringify(rest))) as Omit<
      RunEvent,
      'runId' | 'seq' | 'version'
    >;
    return { ...renamed, traceId } as EventDraft;
  });
}
