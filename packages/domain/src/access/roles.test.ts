import { describe, expect, it } from 'vitest';
import { can, canAccessTeam, type Principal } from './roles';

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
