import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Role } from '@flightdeck/domain';
import { type APIRequestContext, type Browser, expect, type Page } from '@playwright/test';
import { ADMIN_CREDENTIALS } from './state';

/**
 * Accounts for e2e tests. There are no default credentials: the global setup
 * creates the admin through the printed setup link; other people are invited
 * by the admin (tRPC over HTTP with the admin's session) and sign in through
 * the sign-in page, like anyone would.
 */

export interface Credentials {
  email: string;
  password: string;
}

export const randomPassword = () => `pw-${randomBytes(18).toString('base64url')}`;

export function adminCredentials(): Credentials {
  return JSON.parse(readFileSync(ADMIN_CREDENTIALS, 'utf8')) as Credentials;
}

/** One tRPC mutation over HTTP (no batching, no transformer), with the request context's session. */
export async function trpcMutation<T>(
  request: APIRequestContext,
  procedure: string,
  input: unknown,
): Promise<T> {
  const response = await request.post(`/api/trpc/${procedure}`, {
    data: input,
    headers: { 'content-type': 'application/json' },
  });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok() || !body.result)
    throw new Error(`${procedure} failed: ${response.status()} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

/** Invites `email` with these roles (as the signed-in admin of `adminRequest`) and accepts the invitation. */
export async function createAccount(
  adminRequest: APIRequestContext,
  options: { email: string; roles: Role[]; teams?: 'all' | string[] },
): Promise<Credentials> {
  const { token } = await trpcMutation<{ token: string }>(adminRequest, 'users.invite', {
    email: options.email,
    roles: options.roles,
    teams: options.teams ?? 'all',
  });
  const password = randomPassword();
  await trpcMutation(adminRequest, 'account.acceptInvite', {
    token,
    name: options.email.split('@')[0],
    password,
  });
  return { email: options.email, password };
}

/** Signs in through the sign-in page and waits for the fleet. */
export async function signIn(page: Page, credentials: Credentials): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('user-id')).toHaveText(credentials.email);
}

/** A fresh browser context (no admin session) signed in as a new account with these roles. */
export async function pageAs(
  browser: Browser,
  adminRequest: APIRequestContext,
  roles: Role[],
  label = roles.join('-'),
): Promise<{ page: Page; credentials: Credentials; close(): Promise<void> }> {
  const email = `${label}-${randomBytes(4).toString('hex')}@e2e.test`;
  const credentials = await createAccount(adminRequest, { email, roles });
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, credentials);
  return { page, credentials, close: () => context.close() };
}
