import type { Logger } from './realtime/server';

/** Plain line logs for the web process (telemetry wiring comes with the telemetry package). */
function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

export const logger: Logger = {
  info: (message) => console.log(`[web] ${message}`),
  warn: (message, error) =>
    console.warn(`[web] ${message}${error === undefined ? '' : `\n${describe(error)}`}`),
  error: (message, error) =>
    console.error(`[web] ${message}${error === undefined ? '' : `\n${describe(error)}`}`),
};
