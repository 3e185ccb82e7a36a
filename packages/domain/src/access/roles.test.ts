import { describe, expect, it } from 'vitest';
import { accessBeyond, can, canAccessTeam, capAccess, isWithin, type Principal } from './roles';

const who = (roles: Principal['roles'], teams: Principal['teams'] = 'all'): Principal => ({
  actor: { kind: 'user', id: 'u1' },
  roles,
  teams,
});

describe('roles', () => {
  it('keeps approving and controlling apart', () => {
    expect(can(who(['approver']), 'approvals.decide')).toBe(true);
    expect(can(who(['approver']), 'runs.control')).toBe(false);
    expect(can(who(['operator']), 'runs.control')).toBe(true);
    expect(can(who(['operator']), 'approvals.decide')).toBe(false);
  });

  it('lets a viewer read and nothing else', () => {
    expect(can(who(['viewer']), 'fleet.read')).toBe(true);
    expect(can(who(['viewer']), 'runs.control')).toBe(false);
    expect(can(who(['viewer']), 'approvals.decide')).toBe(false);
    expect(can(who([]), 'fleet.read')).toBe(false);
  });

  it('gives admin every permission and unions several roles', () => {
    expect(can(who(['admin']), 'accounts.manage')).toBe(true);
    expect(can(who(['operator', 'approver']), 'approvals.decide')).toBe(true);
    expect(can(who(['operator', 'approver']), 'governance.write')).toBe(false);
  });

  it('scopes teams', () => {
    expect(canAccessTeam(who(['viewer'], ['t1']), 't1')).toBe(true);
    expect(canAccessTeam(who(['viewer'], ['t1']), 't2')).toBe(false);
    expect(canAccessTeam(who(['viewer']), 't2')).toBe(true);
  });
});

describe('granting no more than one holds', () => {
  it('lets an admin grant every role, and nobody grant a permission they lack', () => {
    for (const role of ['viewer', 'operator', 'approver', 'admin'] as const)
      expect(isWithin(who(['admin']), { roles: [role], teams: 'all' })).toBe(true);
    expect(
      accessBeyond(who(['operator']), { roles: ['viewer', 'operator'], teams: 'all' }),
    ).toEqual({ roles: [], teams: [] });
    expect(accessBeyond(who(['operator']), { roles: ['approver', 'admin'], teams: 'all' })).toEqual(
      { roles: ['approver', 'admin'], teams: [] },
    );
    // Several roles pool their permissions, but admin's are more than theirs.
    expect(isWithin(who(['operator', 'approver']), { roles: ['approver'], teams: 'all' })).toBe(
      true,
    );
    expect(isWithin(who(['operator', 'approver']), { roles: ['admin'], teams: 'all' })).toBe(false);
    expect(isWithin(who([]), { roles: ['viewer'], teams: 'all' })).toBe(false);
  });

  it('keeps teams within the holder’s', () => {
    expect(accessBeyond(who(['admin'], ['t1']), { roles: ['viewer'], teams: 'all' })).toEqual({
      roles: [],
      teams: 'all',
    });
    expect(
      accessBeyond(who(['admin'], ['t1']), { roles: ['viewer'], teams: ['t1', 't2'] }),
    ).toEqual({ roles: [], teams: ['t2'] });
    expect(isWithin(who(['admin'], ['t1', 't2']), { roles: ['viewer'], teams: ['t2'] })).toBe(true);
    expect(isWithin(who(['admin']), { roles: ['viewer'], teams: ['anything'] })).toBe(true);
  });

  it('caps a grant by what the holder holds now', () => {
    expect(capAccess(who(['admin']), { roles: ['operator'], teams: ['t1'] })).toEqual({
      roles: ['operator'],
      teams: ['t1'],
    });
    // The creator was demoted to viewer and scoped to t1: the token follows.
    expect(
      capAccess(who(['viewer'], ['t1']), { roles: ['viewer', 'operator'], teams: 'all' }),
    ).toEqual({ roles: ['viewer'], teams: ['t1'] });
    expect(
      capAccess(who(['viewer'], ['t1', 't3']), { roles: ['viewer'], teams: ['t1', 't2'] }),
    ).toEqual({ roles: ['viewer'], teams: ['t1'] });
    expect(capAccess(who(['approver']), { roles: ['operator'], teams: 'all' }).roles).toEqual([]);
  });
});
