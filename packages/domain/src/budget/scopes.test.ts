import { describe, expect, it } from 'vitest';
import { coveringScopes, describeScope, periodWindow, scopeId, scopeTtlMs } from './scopes';

describe('budget periods', () => {
  it('cuts UTC days and months, across month and year ends', () => {
    expect(periodWindow('day', '2026-11-23T23:59:59.999Z')).toEqual({
      period: 'day',
      window: '2026-11-23',
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-24T00:00:00.000Z',
    });
    expect(periodWindow('day', '2026-11-24T00:00:00.000Z').window).toBe('2026-11-24');
    expect(periodWindow('month', '2026-12-31T12:00:00Z')).toEqual({
      period: 'month',
      window: '2026-12',
      from: '2026-12-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
    });
    expect(periodWindow('day', '2028-02-29T08:00:00+05:00').window).toBe('2028-02-29');
    expect(periodWindow('day', '2028-02-29T02:00:00+05:00').window).toBe('2028-02-28');
  });
});

describe('which scopes cover a call', () => {
  const tree = {
    teamId: 'team-1',
    agents: {
      lead: { parentId: null },
      child: { parentId: 'lead' },
      grandchild: { parentId: 'child' },
    },
    slices: { lead: {}, grandchild: {} } as Record<string, unknown>,
  };

  it('lists the agent and its ancestors that have a slice, then run, team and global periods', () => {
    expect(coveringScopes(tree, 'grandchild', '2026-11-23T10:00:00Z')).toEqual([
      { kind: 'agent', agentId: 'grandchild' },
      { kind: 'agent', agentId: 'lead' },
      { kind: 'run' },
      { kind: 'team', teamId: 'team-1', period: 'day', window: '2026-11-23' },
      { kind: 'team', teamId: 'team-1', period: 'month', window: '2026-11' },
      { kind: 'global', period: 'day', window: '2026-11-23' },
      { kind: 'global', period: 'month', window: '2026-11' },
    ]);
  });

  it('has no agent scopes without slices, and no team scopes without a team', () => {
    expect(
      coveringScopes({ teamId: null, agents: tree.agents, slices: {} }, 'child', 0).map(
        (s) => s.kind,
      ),
    ).toEqual(['run', 'global', 'global']);
  });

  it('survives a cycle in a malformed tree', () => {
    const cyclic = {
      teamId: null,
      agents: { a: { parentId: 'b' }, b: { parentId: 'a' } },
      slices: { a: {}, b: {} },
    };
    expect(coveringScopes(cyclic, 'a', 0).filter((s) => s.kind === 'agent')).toHaveLength(2);
  });

  it('names scopes for keys and for people', () => {
    expect(scopeId('r1', { kind: 'run' })).toBe('run:r1');
    expect(scopeId('r1', { kind: 'agent', agentId: 'a' })).toBe('agent:r1:a');
    expect(scopeId('r1', { kind: 'team', teamId: 't', period: 'month', window: '2026-11' })).toBe(
      'team:t:m:2026-11',
    );
    expect(scopeId('r1', { kind: 'global', period: 'day', window: '2026-11-23' })).toBe(
      'global:d:2026-11-23',
    );
    expect(describeScope({ kind: 'agent', agentId: 'a' }, () => 'researcher')).toBe(
      "researcher's slice",
    );
    expect(describeScope({ kind: 'team', teamId: 't', period: 'day', window: '2026-11-23' })).toBe(
      "the team's day (2026-11-23)",
    );
  });

  it('keeps period counters until their period is over, plus a day', () => {
    const at = Date.parse('2026-11-23T23:00:00Z');
    const day = { kind: 'team', teamId: 't', period: 'day', window: '2026-11-23' } as const;
    expect(scopeTtlMs(day, at)).toBe(3600_000 + 24 * 3600_000);
    expect(scopeTtlMs({ kind: 'run' }, at)).toBe(14 * 24 * 3600_000);
  });
});
