import { redactSecrets } from '@flightdeck/domain';

/**
 * A small structured logger: one JSON object per line on stdout/stderr, so logs
 * can be shipped as they are. Errors are reduced to their message (no stacks
 * leave the process through logs unless asked for with `stack: true`). Every
 * line passes through `redactSecrets`: tokens, keys and passwords never reach a log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

let minimumLevel: LogLevel = 'info';
export function setLogLevel(level: LogLevel): void {
  minimumLevel = level;
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < ORDER[minimumLevel]) return;
    const entry: Record<string, unknown> = {
      t: new Date().toISOString(),
      level,
      logger: name,
      msg: message,
      ...bindings,
    };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialize(value);
    const line = `${redactSecrets(JSON.stringify(entry))}\n`;
    if (level === 'error' || level === 'warn') process.stderr.write(line);
    else process.stdout.write(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger(name, { ...bindings, ...more }),
  };
}
