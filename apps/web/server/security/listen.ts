import { readFileSync } from 'node:fs';
import type { Env } from '../../src/env';
import { isLoopback } from './origins';

export interface Tls {
  cert: Buffer;
  key: Buffer;
}

export class ListenRefused extends Error {
  override name = 'ListenRefused';
}

/**
 * Flightdeck listens on loopback by default. On any other address it requires
 * TLS (TLS_CERT_FILE and TLS_KEY_FILE): sessions and API tokens must never
 * cross a network in clear. Accounts are always on, so no address is unauthenticated.
 */
export function listenPlan(env: Env): { tls: Tls | null } {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ListenRefused('Set both TLS_CERT_FILE and TLS_KEY_FILE, or neither.');
  const tls =
    certFile && keyFile
      ? { cert: readPem(certFile, 'TLS_CERT_FILE'), key: readPem(keyFile, 'TLS_KEY_FILE') }
      : null;
  if (!isLoopback(env.HOST) && !tls)
    throw new ListenRefused(
      `Refusing to listen on ${env.HOST}, which is not a loopback address, without TLS. ` +
        'Set TLS_CERT_FILE and TLS_KEY_FILE (PEM), or keep HOST=127.0.0.1 behind a TLS-terminating proxy ' +
        '(set FLIGHTDECK_PUBLIC_URL to its https:// address).',
    );
  return { tls };
}

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ListenRefused(
      `${variable}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
