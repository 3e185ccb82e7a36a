import path from 'node:path';

/** Files the e2e stack and global setup share (gitignored): the setup link, the admin's session. */
export const STATE_DIR =
  process.env.E2E_STATE_DIR ?? path.join(import.meta.dirname, '..', '.state');
export const SETUP_LINK_FILE = path.join(STATE_DIR, 'setup-link');
export const ADMIN_STATE = path.join(STATE_DIR, 'admin.json');
export const ADMIN_CREDENTIALS = path.join(STATE_DIR, 'admin-credentials.json');
export const ARTIFACTS_DIR = path.join(import.meta.dirname, '..', 'artifacts');

/** The admin the global setup creates (its random password is in ADMIN_CREDENTIALS). */
export const ADMIN_EMAIL = 'admin@e2e.test';
/** The secret canaries the stack planted, and where its data lives (e2e/stack.mjs writes it). */
export const CANARIES_FILE = path.join(STATE_DIR, 'canaries.json');
