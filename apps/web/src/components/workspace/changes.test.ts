import type { RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import {
  changesByPath,
  deriveFileChanges,
  FileChangeTracker,
  normalizeWorkspacePath,
} from './changes';

const RUN = '00000000-0000-4000-8000-000000000000';
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
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
const dispatch = (
  agentId: string,
  callId: string,
  tool: string,
  args: Record<string, unknown>,
): RunEvent => ({
  ...envelope(agentId),
  type: 'tool.call.dispatched',
  payload: { callId, tool, args },
});
const finish = (agentId: string, callId: string, tool: string, ok: boolean): RunEvent => ({
  ...envelope(agentId),
  type: 'tool.call.finished',
  payload: { callId, tool, ok, output: ok ? 'wrote' : 'denied', durationMs: 1 },
});

const names: Record<string, string> = { [A]: 'lead', [B]: 'researcher' };

describe('deriveFileChanges', () => {
  seq = 0;
  const events: RunEvent[] = [
    dispatch(A, 'c1', 'fs.write', { path: 'report.md', content: '# R\n' }), // 1
    dispatch(B, 'c2', 'fs.write', { path: './notes/b.md', content: 'b1\n' }), // 2
    dispatch(B, 'c3', 'fs.read', { path: 'report.md' }), // 3
    finish(B, 'c2', 'fs.write', true), // 4
    finish(A, 'c1', 'fs.write', true), // 5
    finish(B, 'c3', 'fs.read', true), // 6
    dispatch(B, 'c4', 'fs.write', { path: 'report.md', content: 'nope' }), // 7
    finish(B, 'c4', 'fs.write', false), // 8
    dispatch(A, 'c5', 'fs.write', { path: 'report.md', content: '# R\n\nmore\n' }), // 9
    finish(A, 'c5', 'fs.write', true), // 10
    dispatch(A, 'c6', 'fs.write', { path: 'notes/b.md', content: 'b2\n' }), // 11 — never finished
  ];

  it('keeps successful fs.write calls, with the previous content as before', () => {
    const changes = deriveFileChanges(events, events.length, (id) => (id ? (names[id] ?? '') : ''));
    expect(
      changes.map((c) => ({
        seq: c.seq,
        path: c.path,
        agent: c.agentName,
        before: c.before,
        after: c.after,
      })),
    ).toEqual([
      { seq: 2, path: 'notes/b.md', agent: 'researcher', before: '', after: 'b1\n' },
      { seq: 1, path: 'report.md', agent: 'lead', before: '', after: '# R\n' },
      { seq: 9, path: 'report.md', agent: 'lead', before: '# R\n', after: '# R\n\nmore\n' },
    ]);
    expect(changes[2]).toMatchObject({ callId: 'c5', finishedSeq: 10, agentId: A });
  });

  it('only reads the first `count` events', () => {
    expect(deriveFileChanges(events, 4).map((c) => c.seq)).toEqual([2]);
    expect(deriveFileChanges(events, 0)).toEqual([]);
  });

  it('ignores writes with malformed args', () => {
    const odd = [
      dispatch(A, 'x', 'fs.write', { path: 7, content: 'c' }),
      finish(A, 'x', 'fs.write', true),
    ];
    expect(deriveFileChanges(odd)).toEqual([]);
  });

  it('groups by path', () => {
    const byPath = changesByPath(deriveFileChanges(events));
    expect([...byPath.keys()]).toEqual(['notes/b.md', 'report.md']);
    expect(byPath.get('report.md')!.map((c) => c.seq)).toEqual([1, 9]);
  });
});

describe('normalizeWorkspacePath', () => {
  it('drops ./, doubled and trailing slashes', () => {
    expect(normalizeWorkspacePath('./notes//a.md')).toBe('notes/a.md');
    expect(normalizeWorkspacePath('notes\\a.md')).toBe('notes/a.md');
    expect(normalizeWorkspacePath('.')).toBe('');
  });
});

describe('FileChangeTracker', () => {
  it('reads only new events and starts over on a new array', () => {
    seq = 0;
    const log: RunEvent[] = [
      dispatch(A, 'k1', 'fs.write', { path: 'a.md', content: '1' }),
      finish(A, 'k1', 'fs.write', true),
    ];
    const tracker = new FileChangeTracker();
    const first = tracker.advance(log, 1);
    expect(first).toEqual([]);
    const second = tracker.advance(log, 2);
    expect(second.map((c) => c.seq)).toEqual([1]);
    expect(tracker.advance(log, 2)).toBe(second);
    log.push(
      dispatch(A, 'k2', 'fs.write', { path: 'a.md', content: '2' }),
      finish(A, 'k2', 'fs.write', true),
    );
    expect(tracker.advance(log, 4).map((c) => [c.seq, c.before, c.after])).toEqual([
      [1, '', '1'],
      [3, '1', '2'],
    ]);
    expect(tracker.advance([...log], 2).map((c) => c.seq)).toEqual([1]);
  });
});
