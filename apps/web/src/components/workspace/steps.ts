import type { RunEvent, WorkspaceFileChange } from '@flightdeck/domain';

/** One recorded state of the workspace: a tool call's commit, or an operator's rollback. */
export interface WorkspaceStep {
  /** Seq of the `workspace.committed` / `workspace.restored` event. */
  seq: number;
  kind: 'commit' | 'rollback';
  commit: string;
  tree: string;
  parent: string | null;
  at: string;
  agentId: string | null;
  /** The tool call that made the change (commits); null for changes made outside tool calls. */
  callId: string | null;
  tool: string | null;
  /** Rollbacks: who, to which step, why. */
  by: string | null;
  toSeq: number | null;
  reason: string | null;
  files: WorkspaceFileChange[];
  moreFiles: number;
}

/** The workspace's steps in events[0, count), read incrementally as the log grows (like the change tracker). */
export class WorkspaceStepTracker {
  private source: readonly RunEvent[] | null = null;
  private read = 0;
  private tools = new Map<string, string>();
  private list: WorkspaceStep[] = [];

  advance(events: readonly RunEvent[], count: number = events.length): readonly WorkspaceStep[] {
    if (events !== this.source || count < this.read) {
      this.source = events;
      this.read = 0;
      this.tools = new Map();
      this.list = [];
    }
    const found: WorkspaceStep[] = [];
    for (; this.read < count; this.read++) {
      const event = events[this.read];
      if (!event) continue;
      if (event.type === 'tool.call.dispatched') {
        this.tools.set(event.payload.callId, event.payload.tool);
      } else if (event.type === 'workspace.committed' || event.type === 'workspace.restored') {
        const p = event.payload;
        const restored = event.type === 'workspace.restored' ? event.payload : null;
        const callId = event.type === 'workspace.committed' ? event.payload.callId : null;
        found.push({
          seq: event.seq,
          kind: restored ? 'rollback' : 'commit',
          commit: p.commit,
          tree: p.tree,
          parent: p.parent,
          at: event.at,
          agentId: event.agentId,
          callId,
          tool: callId ? (this.tools.get(callId) ?? null) : null,
          by: restored?.by.id ?? null,
          toSeq: restored?.toSeq ?? null,
          reason: restored?.reason ?? null,
          files: p.files,
          moreFiles: p.moreFiles,
        });
      }
    }
    if (found.length) this.list = [...this.list, ...found];
    return this.list;
  }
}

/** The last step at or before `seq` (the workspace as it was then); null: nothing recorded yet. */
export function stepAt(steps: readonly WorkspaceStep[], seq: number): WorkspaceStep | null {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? steps[lo - 1]! : null;
}
