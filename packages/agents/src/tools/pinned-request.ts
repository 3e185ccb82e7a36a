import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

/** A URL whose host was checked and resolved to `address`, the one address we connect to. */
export interface VettedTarget {
  url: URL;
  /** Lower-case host name without brackets or a trailing dot. */
  hostname: string;
  address: string;
  family: 4 | 6;
}

export interface PinnedRequest {
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string | undefined;
  signal: AbortSignal;
  /** Trusted CA certificates (PEM) instead of the default roots, for an internal CA (and tests). */
  ca?: string | Buffer | undefined;
}

/**
 * Send one request to the vetted address itself, never to a fresh DNS answer:
 * the socket connects to the IP literal, while the Host header and (for
 * https) SNI and certificate checks use the URL's host name. A DNS answer
 * that changes after the check (rebinding) therefore cannot move the request.
 * No agent: no pooled socket from an earlier request is reused.
 */
export function sendPinned(target: VettedTarget, request: PinnedRequest): Promise<IncomingMessage> {
  const secure = target.url.protocol === 'https:';
  const headers: OutgoingHttpHeaders = { ...request.headers, host: target.url.host };
  if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
  const options: https.RequestOptions = {
    host: target.address,
    family: target.family,
    port: target.url.port ? Number(target.url.port) : secure ? 443 : 80,
    path: `${target.url.pathname}${target.url.search}`,
    method: request.method,
    headers,
    agent: false,
    signal: request.signal,
    // SNI must be a name, never an IP; certificate identity is checked against it.
    ...(secure && isIP(target.hostname) === 0 ? { servername: target.hostname } : {}),
    ...(secure && request.ca !== undefined ? { ca: request.ca } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, resolve);
    req.on('error', reject);
    req.end(request.body);
  });
}

export interface CappedBody {
  body: Buffer;
  truncated: boolean;
}

/** Read at most `maxBytes` of a response body; stop reading (and drop the connection) beyond it. */
export async function readCapped(response: IncomingMessage, maxBytes: number): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      response.destroy();
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}
