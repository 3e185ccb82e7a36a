import type { Permission } from '@flightdeck/domain';

/**
 * Who may call what: every tRPC procedure, by path, with the permission it
 * requires (`public` for the few that need no session). The test in
 * access-matrix.int.test.ts calls every procedure with no session and with
 * each role and compares the answers with this table; a procedure missing
 * here fails it. Add a line when you add a procedure.
 */
export const ACCESS_MATRIX: Readonly<Record<string, Permission | 'public'>> = {
  health: 'public',

  'account.me': 'public',
  'account.setupStatus': 'public',
  'account.setup': 'public',
  'account.invitation': 'public',
  'account.acceptInvite': 'public',

  'runs.list': 'fleet.read',
  'runs.get': 'fleet.read',
  'runs.events': 'fleet.read',
  'runs.state': 'fleet.read',
  'runs.workspaceFiles': 'fleet.read',
  'runs.workspaceFile': 'fleet.read',
  'runs.spawn': 'runs.control',
  'runs.kill': 'runs.control',
  'runs.pause': 'runs.control',
  'runs.resume': 'runs.control',
  'runs.workspaceFilesAt': 'fleet.read',
  'runs.workspaceFileAt': 'fleet.read',
  'runs.rollbackWorkspace': 'runs.control',
  'runs.fork': 'runs.control',
  'runs.forks': 'fleet.read',
  'runs.export': 'fleet.read',
  'runs.import': 'runs.control',
  'runs.rerun': 'runs.control',
  'runs.rerunReport': 'fleet.read',

  'agents.pause': 'runs.control',
  'agents.resume': 'runs.control',
  'agents.kill': 'runs.control',
  'agents.steer': 'runs.control',

  'toolCalls.resolve': 'runs.control',

  'teams.list': 'fleet.read',
  'teams.get': 'fleet.read',
  'teams.save': 'governance.write',

  'costs.summary': 'fleet.read',
  'costs.timeseries': 'fleet.read',
  'costs.byModel': 'fleet.read',
  'costs.byAgent': 'fleet.read',
  'costs.topRuns': 'fleet.read',

  'prices.current': 'fleet.read',
  'prices.history': 'fleet.read',
  'prices.save': 'governance.write',

  'users.list': 'accounts.manage',
  'users.invite': 'accounts.manage',
  'users.invitations': 'accounts.manage',
  'users.revokeInvite': 'accounts.manage',
  'users.update': 'accounts.manage',
  'users.deactivate': 'accounts.manage',
  'users.reactivate': 'accounts.manage',
  'users.remove': 'accounts.manage',

  'tokens.list': 'accounts.manage',
  'tokens.create': 'accounts.manage',
  'tokens.revoke': 'accounts.manage',

  'approvals.list': 'fleet.read',
  'approvals.get': 'fleet.read',
  'approvals.pendingCount': 'fleet.read',
  'approvals.decide': 'approvals.decide',

  'policies.agentPolicy': 'fleet.read',
  'policies.teamDefaults': 'fleet.read',
  'policies.saveTeamDefaults': 'governance.write',

  'breakers.reset': 'runs.control',
  'breakers.setRunThresholds': 'governance.write',
  'breakers.teamDefaults': 'fleet.read',
  'breakers.saveTeamDefaults': 'governance.write',
  'breakers.providers': 'fleet.read',
  'budgets.run': 'fleet.read',
  'budgets.team': 'fleet.read',
  'budgets.setRun': 'runs.control',
  'budgets.setTeam': 'governance.write',
  'budgets.setGlobal': 'governance.write',

  'webhooks.list': 'accounts.manage',
  'webhooks.create': 'accounts.manage',
  'webhooks.update': 'accounts.manage',
  'webhooks.delete': 'accounts.manage',
  'webhooks.test': 'accounts.manage',
  'webhooks.deliveries': 'accounts.manage',

  'audit.list': 'accounts.manage',
  'audit.verify': 'accounts.manage',
};
