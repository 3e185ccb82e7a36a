import { createHash, randomBytes } from 'node:crypto';

/** Secrets handed to people or scripts once (links, API tokens); only their sha256 is stored. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** API tokens start with this, so a leaked one is easy to recognise and to scan for. */
export const API_TOKEN_PREFIX = 'fdt_';
export const SETUP_TOKEN_PREFIX = 'fds_';
export const INVITATION_TOKEN_PREFIX = 'fdi_';
