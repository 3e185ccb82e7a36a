import type { RunEvent } from '@flightdeck/domain';

/** One file write an agent made, as the run's log records it. */
export interface FileChange {
  /** The seq of the `tool.call.dispatched` event that asked for the write. */
  seq: number;
  /** The seq of its successful `tool.call.finished`. */
  finishedSeq: number;
  callId: string;
  agentId: string | null;
  agentName: string;
  /** Normalized workspace-relative path (`notes/a.md`). */
  path: string;
  at: string;
  /** The content the previous successful write to this path left ('' for a new file). */
  before: string;
  after: string;
}

/** `./notes//a.md` → `notes/a.md`, so log paths match the workspace listing. */
export function normalizeWorkspacePath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/**
 * Follows the log as it grows: `advance` reads only the events it has not
 * seen. The log is append-only; a different array starts over.
 */
export class FileChangeTracker {
  private source: readonly RunEvent[] | null = null;
  private read = 0;
  private pending = new Map<
    string,
    { seq: number; agentId: string | null; path: string; content: string; at: string }
  >();
  private latest = new Map<string, string>();
  private list: FileChange[] = [];

  constructor(private readonly agentName: (agentId: string | null) => string = () => '') {}

  /** The changes in events[0, count); a new array when there are new ones. */
  advance(events: readonly RunEvent[], count: number = events.length): readonly FileChange[] {
    if (events !== this.source || count < this.read) {
      this.source = events;
      this.read = 0;
      this.pending = new Map();
      this.latest = new Map();
      this.list = [];
    }
    const found: FileChange[] = [];
    for (; this.read < count; this.read++) {
      const event = events[this.read];
      if (!event) continue;
      if (event.type === 'tool.call.dispatched') {
        const { callId, tool, args } = event.payload;
        if (
          tool !== 'fs.write' ||
          typeof args.path !== 'string' ||
          typeof args.content !== 'string'
        )
          continue;
        const path = normalizeWorkspacePath(args.path);
        if (!path) continue;
        this.pending.set(callId, {
          seq: event.seq,
          agentId: event.agentId,
          path,
          content: args.content,
          at: event.at,
        });
      } else if (event.type === 'tool.call.finished') {
        const call = this.pending.get(event.payload.callId);
        if (!call) continue;
        this.pending.delete(event.payload.callId);
        if (!event.payload.ok) continue;
        found.push({
          seq: call.seq,
          finishedSeq: event.seq,
          callId: event.payload.callId,
          agentId: call.agentId,
          agentName: this.agentName(call.agentId),
          path: call.path,
          at: call.at,
          before: this.latest.get(call.path) ?? '',
          after: call.content,
        });
        this.latest.set(call.path, call.content);
      }
    }
    if (found.length) this.list = [...this.list, ...found];
    return this.list;
  }
}

/**
 * Every successful `fs.write` in the log, in the order the writes finished
 * (the order they landed on disk). `before` is what the previous successful
 * write to the same path wrote; files written by other means are not seen.
 */
export function deriveFileChanges(
  events: readonly RunEvent[],
  count: number = events.length,
  agentName?: (agentId: string | null) => string,
): FileChange[] {
  return [...new FileChangeTracker(agentName).advance(events, count)];
}

/** Changes grouped by path, each path's list in the order they landed. */
export function changesByPath(changes: readonly FileChange[]): Map<string, FileChange[]> {
  const byPath = new Map<string, FileChange[]>();
  for (const change of changes) {
    const list = byPath.get(change.path);
    if (list) list.push(change);
    else byPath.set(change.path, [change]);
  }
  return byPath;
}
