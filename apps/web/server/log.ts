import { redactSecrets } from '@flightdeck/domain';
import type { Logger } from './realtime/server';

/** Plain line logs for the web process (telemetry wiring comes with the telemetry package). */
function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** One log line: secrets (tokens, keys, passwords in URLs) are redacted. */
const line = (message: string, error?: unknown) =>
  redactSecrets(`[web] ${message}${error === undefined ? '' : `\n${describe(error)}`}`);

export const logger: Logger = {
  info: (message) => console.log(line(message)),
  warn: (message, error) => console.warn(line(message, error)),
  error: (message, error) => console.error(line(message, error)),
};

/**
 * The one line that must carry a secret: the first-run setup link, printed
 * once to the operator's terminal (the token is single-use, hashed at rest and expires).
 */
export function announceSetupLink(link: string): void {
  console.log(`[web] Open ${link} to create the first admin (one-time link, valid 24 hours)`);
}
