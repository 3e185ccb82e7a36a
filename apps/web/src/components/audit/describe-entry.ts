import type { JsonValue } from '@flightdeck/domain';

/**
 * One line a person reads for an audit entry of an account act (sign-ins,
 * users, invitations, tokens) or a price table; null for the others, whose
 * detail is shown as it is.
 */
export function describeAuditEntry(entry: {
  action: string;
  detail: Record<string, JsonValue>;
}): string | null {
  const d = entry.detail;
  const text = (key: string): string => {
    const value = d[key];
    return typeof value === 'string' ? value : '';
  };
  const from = () => {
    const parts = [
      text('ip') && `from ${text('ip')}`,
      text('userAgent') && browserOf(text('userAgent')),
    ];
    return parts.filter(Boolean).join(', ');
  };
  const grant = (value: JsonValue | undefined) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return '';
    return grantText(value.roles, value.teams);
  };
  switch (entry.action) {
    case 'account.signed_in':
      return join('Signed in', from());
    case 'account.signed_out':
      return join('Signed out', from());
    case 'account.sign_in_failed':
      return join(
        `Sign-in failed for ${text('email') || '(no email)'}: ${text('reason').replaceAll('_', ' ') || 'refused'}`,
        from(),
      );
    case 'user.created':
      return `Created ${text('email')} as ${grantText(d.roles, d.teams)}${text('via') ? ` (${text('via')})` : ''}`;
    case 'user.access_changed':
      return `${text('email')}: ${grant(d.before)} → ${grant(d.after)}`;
    case 'user.deactivated': {
      const ended = typeof d.sessionsEnded === 'number' ? d.sessionsEnded : 0;
      return `Deactivated ${text('email')} (${ended} session${ended === 1 ? '' : 's'} ended)`;
    }
    case 'user.reactivated':
      return `Reactivated ${text('email')}`;
    case 'user.removed':
      return `Removed ${text('email')}`;
    case 'invitation.created':
      return `Invited ${text('email')} as ${grantText(d.roles, d.teams)}`;
    case 'invitation.accepted':
      return `Accepted the invitation as ${grantText(d.roles, d.teams)}`;
    case 'invitation.revoked':
      return `Revoked the invitation of ${text('email')}`;
    case 'token.created':
      return `API token “${text('name')}” as ${grantText(d.roles, d.teams)}${text('expiresAt') ? `, expires ${text('expiresAt').slice(0, 10)}` : ''}`;
    case 'token.revoked':
      return `Revoked API token “${text('name')}”`;
    case 'prices.saved':
      return `Price table ${text('version')} (${typeof d.models === 'number' ? d.models : '?'} models)`;
    default:
      return null;
  }
}

function join(head: string, tail: string): string {
  return tail ? `${head} ${tail}` : head;
}

function grantText(roles: JsonValue | undefined, teams: JsonValue | undefined): string {
  const names = Array.isArray(roles) ? roles.filter((r) => typeof r === 'string') : [];
  const roleText = names.length ? names.join(', ') : 'no role';
  const teamText =
    teams === 'all'
      ? 'on every team'
      : Array.isArray(teams)
        ? `on ${teams.length} team${teams.length === 1 ? '' : 's'}`
        : '';
  return teamText ? `${roleText} ${teamText}` : roleText;
}

/** A short name for a user agent ("Chrome 131", "curl 8.5"), or the start of it. */
export function browserOf(userAgent: string): string {
  for (const [name, pattern] of [
    ['Edge', /Edg\/(\d+)/],
    ['Firefox', /Firefox\/(\d+)/],
    ['Chrome', /(?:Headless)?Chrome\/(\d+)/],
    ['Safari', /Version\/(\d+)[^ ]* Safari\//],
    ['curl', /^curl\/([\d.]+)/],
    ['Node', /^node(?:-fetch)?\/?([\d.]*)/i],
  ] as const) {
    const match = pattern.exec(userAgent);
    if (match) return match[1] ? `${name} ${match[1]}` : name;
  }
  return userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent;
}
