import { describe, expect, it } from 'vitest';
import { isPublicPath, signInRedirect } from './page-gate';

describe('the page gate', () => {
  it('lets sign-in, setup, invitations, assets and health through', () => {
    for (const p of ['/sign-in', '/setup', '/invite', '/_next/static/x.js', '/healthz', '/readyz'])
      expect(isPublicPath(p)).toBe(true);
  });

  it('guards every console page', () => {
    for (const p of ['/', '/runs/abc', '/teams', '/costs', '/settings/users', '/sign-inx'])
      expect(isPublicPath(p)).toBe(false);
  });

  it('sends back to the page asked for, never to another site', () => {
    expect(signInRedirect('/runs/1?x=2')).toBe('/sign-in?next=%2Fruns%2F1%3Fx%3D2');
    expect(signInRedirect('/')).toBe('/sign-in');
    expect(signInRedirect('//evil.example')).toBe('/sign-in');
  });
});
