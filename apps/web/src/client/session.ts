'use client';

import { can, type Permission } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from './trpc';

/**
 * Who is signed in, as the server resolved it. The browser only uses it to show
 * or hide controls: every procedure and socket event checks again on the server.
 */
export function useSession() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.account.me.queryOptions(), staleTime: 60_000 });
}

/** Whether the signed-in principal holds a permission (false while loading). */
export function useCan(permission: Permission): boolean {
  const me = useSession().data;
  return me ? can(me, permission) : false;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Signs in with email and password (Better Auth); returns an error to show, or null. */
export async function signIn(email: string, password: string): Promise<string | null> {
  const response = await fetch('/api/auth/sign-in/email', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email, password }),
    credentials: 'same-origin',
  });
  if (response.ok) return null;
  if (response.status === 401) return 'Wrong email or password';
  const body = (await response.json().catch(() => null)) as {
    error?: string;
    message?: string;
  } | null;
  return body?.error ?? body?.message ?? `Could not sign in (${response.status})`;
}

export async function signOut(): Promise<void> {
  await fetch('/api/auth/sign-out', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: '{}',
    credentials: 'same-origin',
  });
  window.location.assign('/sign-in');
}

/** Where to go after signing in: the `next` path of the address, same-site only. */
export function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** The session is gone: sign in again, then come back here. */
export function redirectToSignIn(): void {
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(here === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`);
}
