import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { AUDIT_GENESIS_HASH, type Principal } from '@flightdeck/domain';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { listAudit, verifyAudit } from '../use-cases/audit';
import { ensureDemoTeams } from '../use-cases/ensure-demo-teams';
import { type Auth, createAuth } from './auth';
import { resolvePrincipal } from './principal';
import { CLIENT_IP_HEADER } from './sign-in-audit';
import {
  acceptInvitation,
  completeSetup,
  createApiToken,
  createSetupTokenIfNoAdmin,
  inviteUser,
  listApiTokens,
  listInvitations,
  listUsers,
  removeUser,
  revokeApiToken,
  revokeInvitation,
  setUserAccess,
  setUserActive,
} from './use-cases';

/**
 * Every account change and every sign-in is on the audit trail, written in the
 * change's own transaction: the entry is there, the chain still verifies, and
 * a change whose entry cannot be written does not happen.
 */

let database: TestDatabase;
let engine: Engine;
let auth: Auth;
let prefix: string;
let dir: string;
const BASE = 'http://127.0.0.1:3998';
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'tr0ub4dor&3-not-the-password';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_accounts_audit');
  prefix = uniqueRedisPrefix('engine-accounts-audit');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-accounts-audit-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: path.join(dir, 'workspaces'),
  });
  await ensureDemoTeams(engine);
  auth = createAuth({
    db: engine.db,
    secret: 'accounts-audit-secret-accounts-audit-secret',
    baseURL: BASE,
    trustedOrigins: [BASE],
    secureCookies: false,
  });
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

const client = (ip: string) =>
  new Headers({ [CLIENT_IP_HEADER]: ip, 'user-agent': BROWSER, origin: BASE });

async function signIn(email: string, password: string, ip = '203.0.113.10') {
  const response = await auth.api.signInEmail({
    body: { email, password },
    headers: client(ip),
    asResponse: true,
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';', 1)[0])
    .join('; ');
  return { status: response.status, headers: new Headers({ cookie }) };
}

/** The newest entry, which must be of `action`. */
async function last(action: string) {
  const [entry] = (await listAudit(engine, { limit: 1 })).entries;
  expect(entry?.action).toBe(action);
  return entry!;
}

async function chainIsIntact() {
  const head = await engine.db.pool.query<{ seq: string }>(
    'SELECT seq::text AS seq FROM audit_head',
  );
  expect(await verifyAudit(engine)).toMatchObject({
    ok: true,
    entries: Number(head.rows[0]?.seq),
  });
}

/** The owner's power: remove the chain's head so that no entry can be written; returns the undo. */
async function breakAuditHead(): Promise<() => Promise<void>> {
  const c = await engine.db.pool.connect();
  try {
    await c.query('SET session_replication_role = replica');
    const head = await c.query<{ seq: string; hash: string }>('SELECT * FROM audit_head');
    await c.query('DELETE FROM audit_head');
    const row = head.rows[0] ?? { seq: '0', hash: AUDIT_GENESIS_HASH };
    return async () => {
      await engine.db.pool.query('INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)', [
        row.seq,
        row.hash,
      ]);
    };
  } finally {
    await c.query('RESET session_replication_role');
    c.release();
  }
}

let admin: Principal;
const userIdOf = async (email: string) =>
  (await listUsers(engine)).find((u) => u.email === email)!.id;

async function invited(email: string, roles: Principal['roles']): Promise<string> {
  const { token } = await inviteUser(engine, { email, roles, teams: 'all', by: admin });
  await acceptInvitation(engine, { token, name: email.split('@')[0]!, password: PASSWORD });
  return userIdOf(email);
}

describe('account changes on the audit trail', () => {
  it('the first admin: user.created by themself, with roles and no secret', async () => {
    const token = await createSetupTokenIfNoAdmin(engine);
    await completeSetup(engine, {
      token: token!,
      name: 'Ada',
      email: 'ada@example.test',
      password: PASSWORD,
    });
    admin = { actor: { kind: 'user', id: 'ada@example.test' }, roles: ['admin'], teams: 'all' };
    const entry = await last('user.created');
    expect(entry).toMatchObject({
      actor: { kind: 'user', id: 'ada@example.test' },
      target: { userId: await userIdOf('ada@example.test') },
      detail: { email: 'ada@example.test', roles: ['admin'], teams: 'all', via: 'setup-link' },
    });
    expect(JSON.stringify(entry)).not.toContain(token!);
    await chainIsIntact();
  });

  it('invitations: created, revoked, accepted', async () => {
    const { invitation, token } = await inviteUser(engine, {
      email: 'Bob@Example.test',
      roles: ['operator'],
      teams: 'all',
      by: admin,
    });
    expect(await last('invitation.created')).toMatchObject({
      actor: admin.actor,
      target: { invitationId: invitation.id },
      detail: { email: 'bob@example.test', roles: ['operator'], teams: 'all' },
    });
    expect(JSON.stringify(await last('invitation.created'))).not.toContain(token);

    await revokeInvitation(engine, { id: invitation.id, by: admin });
    expect(await last('invitation.revoked')).toMatchObject({
      actor: admin.actor,
      target: { invitationId: invitation.id },
      detail: { email: 'bob@example.test' },
    });
    // Revoking again is refused, and writes nothing.
    await expect(revokeInvitation(engine, { id: invitation.id, by: admin })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await last('invitation.revoked');

    const second = await inviteUser(engine, {
      email: 'bob@example.test',
      roles: ['operator'],
      teams: 'all',
      by: admin,
    });
    await acceptInvitation(engine, { token: second.token, name: 'Bob', password: PASSWORD });
    const accepted = await last('invitation.accepted');
    expect(accepted).toMatchObject({
      actor: { kind: 'user', id: 'bob@example.test' },
      target: { invitationId: second.invitation.id, userId: await userIdOf('bob@example.test') },
      detail: { email: 'bob@example.test', roles: ['operator'], invitedBy: 'ada@example.test' },
    });
    expect(JSON.stringify(accepted)).not.toContain(PASSWORD);
    await chainIsIntact();
  });

  it('role changes: user.access_changed with before and after', async () => {
    const bob = await userIdOf('bob@example.test');
    const demo = (
      await engine.db.prisma.team.findFirstOrThrow({ where: { slug: 'demo-research' } })
    ).id;
    await setUserAccess(engine, {
      userId: bob,
      roles: ['viewer', 'approver'],
      teams: [demo],
      by: admin,
    });
    expect(await last('user.access_changed')).toMatchObject({
      actor: admin.actor,
      target: { userId: bob },
      detail: {
        email: 'bob@example.test',
        before: { roles: ['operator'], teams: 'all' },
        after: { roles: ['viewer', 'approver'], teams: [demo] },
      },
    });
    await chainIsIntact();
  });

  it('deactivation signs the user out, refuses their sign-in and tokens; reactivation undoes it', async () => {
    const carol = await invited('carol@example.test', ['operator']);
    const carolPrincipal: Principal = {
      actor: { kind: 'user', id: 'carol@example.test' },
      roles: ['operator'],
      teams: 'all',
    };
    const browser = await signIn('carol@example.test', PASSWORD);
    expect(browser.status).toBe(200);
    // An operator cannot make tokens through the API (admins only), but the rule is the engine's: try it here.
    const { secret } = await createApiToken(engine, {
      name: 'carol-ci',
      roles: ['viewer'],
      teams: 'all',
      by: carolPrincipal,
    });
    const bearer = new Headers({ authorization: `Bearer ${secret}` });
    expect(await resolvePrincipal(engine, auth, bearer)).not.toBeNull();

    await setUserActive(engine, { userId: carol, active: false, by: admin });
    expect(await last('user.deactivated')).toMatchObject({
      actor: admin.actor,
      target: { userId: carol },
      detail: { email: 'carol@example.test', sessionsEnded: 1 },
    });
    expect(await resolvePrincipal(engine, auth, browser.headers)).toBeNull();
    expect(await resolvePrincipal(engine, auth, bearer)).toBeNull();
    expect((await signIn('carol@example.test', PASSWORD, '203.0.113.99')).status).toBe(403);
    expect(await last('account.sign_in_failed')).toMatchObject({
      actor: { kind: 'anonymous', id: '203.0.113.99' },
      target: { userId: carol },
      detail: { email: 'carol@example.test', reason: 'account_deactivated' },
    });
    // Deactivating twice is refused, and writes nothing.
    await expect(
      setUserActive(engine, { userId: carol, active: false, by: admin }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    await setUserActive(engine, { userId: carol, active: true, by: admin });
    expect(await last('user.reactivated')).toMatchObject({
      actor: admin.actor,
      target: { userId: carol },
      detail: { email: 'carol@example.test' },
    });
    expect(await resolvePrincipal(engine, auth, bearer)).not.toBeNull();
    expect((await signIn('carol@example.test', PASSWORD)).status).toBe(200);
    await chainIsIntact();
  });

  it('never leaves Flightdeck without an active admin', async () => {
    const ada = await userIdOf('ada@example.test');
    const root: Principal = {
      actor: { kind: 'system', id: 'test' },
      roles: ['admin'],
      teams: 'all',
    };
    await expect(
      setUserActive(engine, { userId: ada, active: false, by: root }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('at least one active admin'),
    });
    await expect(
      setUserAccess(engine, { userId: ada, roles: ['viewer'], teams: 'all', by: root }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(removeUser(engine, { userId: ada, by: root })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(setUserActive(engine, { userId: ada, active: false, by: admin })).rejects.toThrow(
      'You cannot deactivate yourself',
    );
  });

  it('API tokens: created and revoked, never with their secret', async () => {
    const { token, secret } = await createApiToken(engine, {
      name: 'nightly',
      roles: ['viewer'],
      teams: 'all',
      expiresInDays: 30,
      by: admin,
    });
    const created = await last('token.created');
    expect(created).toMatchObject({
      actor: admin.actor,
      target: { tokenId: token.id, userId: await userIdOf('ada@example.test') },
      detail: { name: 'nightly', roles: ['viewer'], teams: 'all' },
    });
    expect(created.detail.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(created)).not.toContain(secret.slice(4));

    await revokeApiToken(engine, { id: token.id, by: admin });
    expect(await last('token.revoked')).toMatchObject({
      actor: admin.actor,
      target: { tokenId: token.id },
      detail: { name: 'nightly' },
    });
    await expect(revokeApiToken(engine, { id: token.id, by: admin })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await chainIsIntact();
  });

  it('removal: user.removed, with what they held', async () => {
    const dan = await invited('dan@example.test', ['viewer']);
    await removeUser(engine, { userId: dan, by: admin });
    expect(await last('user.removed')).toMatchObject({
      actor: admin.actor,
      target: { userId: dan },
      detail: { email: 'dan@example.test', roles: ['viewer'], teams: 'all' },
    });
    await chainIsIntact();
  });

  it('a change whose entry cannot be written does not happen', async () => {
    const bob = await userIdOf('bob@example.test');
    const tokensBefore = (await listApiTokens(engine)).length;
    const restore = await breakAuditHead();
    try {
      await expect(
        inviteUser(engine, {
          email: 'eve@example.test',
          roles: ['viewer'],
          teams: 'all',
          by: admin,
        }),
      ).rejects.toThrow('no head row');
      await expect(
        createApiToken(engine, { name: 'ghost', roles: ['viewer'], teams: 'all', by: admin }),
      ).rejects.toThrow('no head row');
      await expect(
        setUserAccess(engine, { userId: bob, roles: ['admin'], teams: 'all', by: admin }),
      ).rejects.toThrow('no head row');
      await expect(
        setUserActive(engine, { userId: bob, active: false, by: admin }),
      ).rejects.toThrow('no head row');
      await expect(removeUser(engine, { userId: bob, by: admin })).rejects.toThrow('no head row');
      // A sign-in whose entry cannot be written makes no session.
      const refused = await signIn('bob@example.test', PASSWORD).catch(() => ({ status: 500 }));
      expect(refused.status).not.toBe(200);
    } finally {
      await restore();
    }
    expect((await listInvitations(engine)).map((i) => i.email)).not.toContain('eve@example.test');
    expect(await listApiTokens(engine)).toHaveLength(tokensBefore);
    const bobNow = (await listUsers(engine)).find((u) => u.id === bob);
    expect(bobNow).toMatchObject({ roles: ['viewer', 'approver'], deactivatedAt: null });
    const sessions = await engine.db.prisma.session.count({ where: { userId: bob } });
    expect(sessions).toBe(0);
    await chainIsIntact();
  });
});

describe('sign-ins on the audit trail', () => {
  it('a sign-in: account.signed_in with the address and user agent', async () => {
    const { status } = await signIn('ada@example.test', PASSWORD, '198.51.100.4');
    expect(status).toBe(200);
    expect(await last('account.signed_in')).toMatchObject({
      actor: { kind: 'user', id: 'ada@example.test' },
      target: { userId: await userIdOf('ada@example.test') },
      detail: { ip: '198.51.100.4', userAgent: BROWSER },
    });
  });

  it('a failed sign-in: the email tried and why, never the password', async () => {
    const { status } = await signIn('Ada@Example.test', WRONG_PASSWORD, '198.51.100.66');
    expect(status).toBe(401);
    const entry = await last('account.sign_in_failed');
    expect(entry).toMatchObject({
      actor: { kind: 'anonymous', id: '198.51.100.66' },
      target: { userId: await userIdOf('ada@example.test') },
      detail: {
        email: 'ada@example.test',
        reason: 'invalid_email_or_password',
        ip: '198.51.100.66',
        userAgent: BROWSER,
      },
    });
    // An unknown email too, with no user to point at.
    expect((await signIn('nobody@example.test', WRONG_PASSWORD)).status).toBe(401);
    expect(await last('account.sign_in_failed')).toMatchObject({
      target: {},
      detail: { email: 'nobody@example.test', reason: 'invalid_email_or_password' },
    });
    // The password is nowhere in the trail: not in any entry's detail, target or actor.
    const rows = await engine.db.pool.query<{ row: string }>(
      'SELECT row_to_json(a)::text AS row FROM audit_entries a',
    );
    expect(rows.rows.length).toBeGreaterThan(10);
    for (const { row } of rows.rows) {
      expect(row).not.toContain(WRONG_PASSWORD);
      expect(row).not.toContain(PASSWORD);
    }
    await chainIsIntact();
  });

  it('a sign-out: account.signed_out, and the session is gone', async () => {
    const { headers } = await signIn('ada@example.test', PASSWORD, '198.51.100.5');
    const out = await auth.api.signOut({
      headers: new Headers([...client('198.51.100.5'), ...headers]),
      asResponse: true,
    });
    expect(out.status).toBe(200);
    expect(await last('account.signed_out')).toMatchObject({
      actor: { kind: 'user', id: 'ada@example.test' },
      detail: { ip: '198.51.100.5', userAgent: BROWSER },
    });
    expect(await resolvePrincipal(engine, auth, headers)).toBeNull();
    await chainIsIntact();
  });

  it('lists sign-ins apart from account changes', async () => {
    const signIns = (await listAudit(engine, { kind: 'sign-ins', limit: 100 })).entries;
    expect(new Set(signIns.map((e) => e.action))).toEqual(
      new Set(['account.signed_in', 'account.sign_in_failed', 'account.signed_out']),
    );
    const accounts = (await listAudit(engine, { kind: 'accounts', limit: 100 })).entries;
    expect(accounts.length).toBeGreaterThan(10);
    expect(accounts.every((e) => /^(user|invitation|token)\./.test(e.action))).toBe(true);
  });
});

describe("an API token's roles are capped by its creator's", () => {
  it('cannot be made with a role or team its creator does not hold', async () => {
    const demo = (
      await engine.db.prisma.team.findFirstOrThrow({ where: { slug: 'demo-research' } })
    ).id;
    const operator: Principal = {
      actor: { kind: 'user', id: 'carol@example.test' },
      roles: ['operator'],
      teams: [demo],
    };
    const before = (await listApiTokens(engine)).length;
    for (const [roles, teams] of [
      [['admin'], [demo]],
      [['approver'], [demo]],
      [['operator', 'approver'], [demo]],
      [['viewer'], 'all'],
    ] as const) {
      await expect(
        createApiToken(engine, {
          name: 'too much',
          roles: [...roles],
          teams: teams === 'all' ? 'all' : [...teams],
          by: operator,
        }),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('cannot hold more than you do'),
      });
    }
    expect(await listApiTokens(engine)).toHaveLength(before);
    // Within: fine.
    await createApiToken(engine, {
      name: 'ok',
      roles: ['viewer', 'operator'],
      teams: [demo],
      by: operator,
    });
    expect(await listApiTokens(engine)).toHaveLength(before + 1);
  });

  it('follows its creator down: a demoted creator’s token acts with the creator’s roles at most', async () => {
    const erin = await invited('erin@example.test', ['admin']);
    const erinPrincipal: Principal = {
      actor: { kind: 'user', id: 'erin@example.test' },
      roles: ['admin'],
      teams: 'all',
    };
    const { secret } = await createApiToken(engine, {
      name: 'erin-ops',
      roles: ['viewer', 'operator'],
      teams: 'all',
      by: erinPrincipal,
    });
    const bearer = new Headers({ authorization: `Bearer ${secret}` });
    expect((await resolvePrincipal(engine, auth, bearer))?.roles).toEqual(['viewer', 'operator']);
    await setUserAccess(engine, { userId: erin, roles: ['viewer'], teams: 'all', by: admin });
    expect((await resolvePrincipal(engine, auth, bearer))?.roles).toEqual(['viewer']);
    await setUserAccess(engine, { userId: erin, roles: ['approver'], teams: 'all', by: admin });
    // An approver still reads the fleet, so the token keeps its viewer role, and nothing more.
    expect((await resolvePrincipal(engine, auth, bearer))?.roles).toEqual(['viewer']);
  });
});
