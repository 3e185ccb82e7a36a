import { describe, expect, it } from 'vitest';
import { browserOf, describeAuditEntry } from './describe-entry';

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';

describe('describeAuditEntry', () => {
  it('says who signed in from where, and why a sign-in failed', () => {
    expect(
      describeAuditEntry({
        action: 'account.signed_in',
        detail: { ip: '127.0.0.1', userAgent: CHROME },
      }),
    ).toBe('Signed in from 127.0.0.1, Chrome 131');
    expect(
      describeAuditEntry({
        action: 'account.sign_in_failed',
        detail: {
          email: 'eve@example.test',
          reason: 'invalid_email_or_password',
          ip: '203.0.113.7',
          userAgent: null,
        },
      }),
    ).toBe('Sign-in failed for eve@example.test: invalid email or password from 203.0.113.7');
    expect(describeAuditEntry({ action: 'account.signed_out', detail: {} })).toBe('Signed out');
  });

  it('describes account changes with their roles and teams', () => {
    expect(
      describeAuditEntry({
        action: 'user.access_changed',
        detail: {
          email: 'bob@example.test',
          before: { roles: ['operator'], teams: 'all' },
          after: { roles: ['viewer'], teams: ['t1', 't2'] },
        },
      }),
    ).toBe('bob@example.test: operator on every team → viewer on 2 teams');
    expect(
      describeAuditEntry({
        action: 'token.created',
        detail: {
          name: 'ci',
          roles: ['viewer'],
          teams: 'all',
          expiresAt: '2027-01-02T03:04:05.000Z',
        },
      }),
    ).toBe('API token “ci” as viewer on every team, expires 2027-01-02');
    expect(
      describeAuditEntry({
        action: 'user.deactivated',
        detail: { email: 'c@example.test', sessionsEnded: 1 },
      }),
    ).toBe('Deactivated c@example.test (1 session ended)');
  });

  it('leaves run and governance entries to their raw detail', () => {
    expect(describeAuditEntry({ action: 'run.killed', detail: { reason: 'x' } })).toBeNull();
  });
});

describe('browserOf', () => {
  it('names common clients and clips the rest', () => {
    expect(browserOf(CHROME)).toBe('Chrome 131');
    expect(browserOf('curl/8.5.0')).toBe('curl 8.5.0');
    expect(browserOf('x'.repeat(60))).toHaveLength(41);
  });
});
