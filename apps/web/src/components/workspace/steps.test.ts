import type { RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { stepAt, WorkspaceStepTracker } from './steps';

const RUN = '00000000-0000-4000-8000-000000000000';
const A = '00000000-0000-4000-8000-00000000000a';
const sha = (c: string) => c.repeat(40);
let seq = 0;
const envelope = (agentId: string | null) => ({
  runId: RUN,
  seq: ++seq,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  version: 1 as const,
  agentId,
  traceId: '0'.repeat(32),
  spanId: '0'.repeat(16),
  parentSpanId: null,
});

describe('WorkspaceStepTracker', () => {
  seq = 0;
  const events: RunEvent[] = [
    {
      ...envelope(A),
      type: 'tool.call.dispatched',
      payload: { callId: 'c1', tool: 'shell', args: { command: 'touch x' } },
    },
    {
      ...envelope(A),
      type: 'workspace.committed',
      payload: {
        callId: 'c1',
        commit: sha('1'),
        tree: sha('a'),
        parent: null,
        files: [{ path: 'x', change: 'added' }],
        moreFiles: 0,
      },
    },
    {
      ...envelope(null),
      type: 'workspace.restored',
      payload: {
        by: { kind: 'user', id: 'op' },
        toSeq: 0,
        reason: 'undo',
        commit: sha('2'),
        tree: sha('b'),
        parent: sha('1'),
        files: [{ path: 'x', change: 'deleted' }],
        moreFiles: 0,
      },
    },
  ];

  it('lists commits with their tool, and rollbacks with who, where and why', () => {
    const steps = new WorkspaceStepTracker().advance(events);
    expect(steps).toMatchObject([
      { seq: 2, kind: 'commit', tool: 'shell', callId: 'c1', agentId: A, commit: sha('1') },
      { seq: 3, kind: 'rollback', by: 'op', toSeq: 0, reason: 'undo', parent: sha('1') },
    ]);
  });

  it('reads only up to count, and starts over when count goes back', () => {
    const tracker = new WorkspaceStepTracker();
    expect(tracker.advance(events, 2)).toHaveLength(1);
    const all = tracker.advance(events, 3);
    expect(all).toHaveLength(2);
    expect(tracker.advance(events, 3)).toBe(all);
    expect(tracker.advance(events, 1)).toHaveLength(0);
  });

  it('finds the step in force at a seq', () => {
    const steps = new WorkspaceStepTracker().advance(events);
    expect(stepAt(steps, 1)).toBeNull();
    expect(stepAt(steps, 2)?.seq).toBe(2);
    expect(stepAt(steps, 99)?.seq).toBe(3);
  });
});
