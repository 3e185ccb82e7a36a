import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import {
  type HTTP_METHODS,
  HttpFetchArgs,
  type HttpFetchGrant,
  matchesPattern,
  type ToolGrant,
} from '@flightdeck/domain';
import { nonPublicReason } from './ip-address';
import { readCapped, sendPinned, type VettedTarget } from './pinned-request';
import { capOutput, type Tool, type ToolResult } from './types';

/** The DNS answer for a host name: every address, in the resolver's order. */
export type ResolveHost = (
  hostname: string,
) => Promise<readonly { address: string; family: number }[]>;

export interface HttpFetchToolOptions {
  /** Name resolution (default: the system resolver, all addresses). Tests inject answers here. */
  resolve?: ResolveHost;
  /**
   * Why an address is not public, or undefined if it is (default: nonPublicReason).
   * A seam for tests, which have no public addresses to serve from.
   */
  classifyAddress?: (address: string) => string | undefined;
  userAgent?: string;
}

const MAX_REDIRECTS = 5;
type Method = (typeof HTTP_METHODS)[number];

/** Never forwarded from the model: credentials come from server configuration, framing from us. */
const DROPPED_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

/** Response headers worth showing; set-cookie and the like never are. */
const SHOWN_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'last-modified',
  'etag',
  'cache-control',
  'retry-after',
];

class Refusal extends Error {}

const isHttpFetchGrant = (grant: ToolGrant): grant is HttpFetchGrant =>
  grant.name === 'http.fetch' && 'hosts' in grant;

function sanitizeHeaders(headers: Record<string, string>, userAgent: string) {
  const kept: Record<string, string> = { 'user-agent': userAgent, 'accept-encoding': 'identity' };
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower) || lower.startsWith('proxy-')) dropped.push(lower);
    else kept[lower] = value;
  }
  return { kept, dropped };
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new Refusal(
      base ? 'the redirect location is not a valid URL' : 'not a valid absolute URL',
    );
  }
}

/** Host name as matched against the grant: lower case, no IPv6 brackets, no trailing dot. */
function bareHostname(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** `promise`, or a rejection as soon as `signal` aborts (DNS lookups cannot be cancelled). */
async function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('aborted'));
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Scheme, host allow-list, DNS, and every resolved address: all checked before any connection. */
async function vet(
  url: URL,
  grant: HttpFetchGrant,
  options: Required<HttpFetchToolOptions>,
  signal: AbortSignal,
): Promise<VettedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Refusal(
      `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`,
    );
  }
  if (url.username || url.password)
    throw new Refusal('URLs with embedded credentials are not allowed');
  const hostname = bareHostname(url);
  if (!grant.hosts.some((pattern) => matchesPattern(pattern.toLowerCase(), hostname))) {
    throw new Refusal(
      `host ${hostname} is not among the hosts granted to this agent (${grant.hosts.join(', ')})`,
    );
  }
  let answers: readonly { address: string; family: number }[];
  if (isIP(hostname)) answers = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      // Resolve the name as written (a trailing dot still means an absolute name).
      answers = await raceSignal(options.resolve(url.hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new Refusal(
        `could not resolve ${hostname} (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`,
      );
    }
  }
  if (answers.length === 0) throw new Refusal(`${hostname} did not resolve to any address`);
  if (!grant.allowPrivate) {
    for (const { address } of answers) {
      const reason = options.classifyAddress(address);
      if (reason) {
        const what = address === hostname ? `${address} is` : `${hostname} resolves to ${address},`;
        throw new Refusal(
          `${what} a ${reason} address; private and internal addresses are not reachable`,
        );
      }
    }
  }
  const pinned = answers[0]!;
  return { url, hostname, address: pinned.address, family: isIP(pinned.address) === 6 ? 6 : 4 };
}

function redirectMethod(status: number, method: Method): Method {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

function isTextual(contentType: string | undefined, body: Buffer): boolean {
  if (!contentType) return !body.includes(0);
  return /^text\/|[/+](json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|csv)\b/i.test(
    contentType,
  );
}

function formatResponse(
  status: number,
  statusText: string,
  headers: IncomingHttpHeaders,
  body: { body: Buffer; truncated: boolean } | undefined,
  notes: readonly string[],
  maxBytes: number,
): ToolResult {
  const lines = [`HTTP ${status} ${statusText}`.trimEnd()];
  for (const name of SHOWN_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') lines.push(`${name}: ${value}`);
  }
  lines.push(...notes);
  if (body?.truncated)
    lines.push(`[body truncated: the response is larger than ${maxBytes} bytes]`);
  let text = '';
  if (body && body.body.length > 0) {
    text = isTextual(headers['content-type'], body.body)
      ? body.body.toString('utf8')
      : `(binary body: ${body.body.length} bytes, not shown)`;
  }
  return {
    ok: status < 400,
    output: capOutput(text ? `${lines.join('\n')}\n\n${text}` : lines.join('\n')),
  };
}

function describeFailure(
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  aborted: boolean,
): ToolResult {
  if (error instanceof Refusal) return { ok: false, output: `refused: ${error.message}` };
  if (timedOut) return { ok: false, output: `timed out after ${timeoutMs} ms` };
  if (aborted) return { ok: false, output: 'aborted' };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { ok: false, output: `request failed${code ? ` (${code})` : ''}` };
}

async function fetchGranted(
  args: HttpFetchArgs,
  grant: HttpFetchGrant,
  signal: AbortSignal,
  options: Required<HttpFetchToolOptions>,
): Promise<ToolResult> {
  const sanitized = sanitizeHeaders(args.headers, options.userAgent);
  const { dropped } = sanitized;
  const ownHeaders = sanitizeHeaders({}, options.userAgent).kept;
  let headers = sanitized.kept;
  const notes = dropped.length ? [`[dropped request headers: ${dropped.join(', ')}]`] : [];
  let url = parseUrl(args.url);
  let method: Method = args.method;
  let body = args.body;
  for (let redirects = 0; ; redirects++) {
    const target = await vet(url, grant, options, signal);
    const response = await sendPinned(target, { method, headers, body, signal });
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && status !== 304 && location) {
      response.destroy();
      if (redirects >= MAX_REDIRECTS) throw new Refusal(`more than ${MAX_REDIRECTS} redirects`);
      const next = parseUrl(location, url);
      const nextMethod = redirectMethod(status, method);
      if (!grant.methods.includes(nextMethod)) {
        throw new Refusal(`the redirect to ${next.href} needs ${nextMethod}, which is not granted`);
      }
      if (nextMethod !== method) body = undefined;
      notes.push(`[redirected (${status}) to ${next.href}]`);
      if (
        next.origin !== url.origin &&
        Object.keys(headers).length > Object.keys(ownHeaders).length
      ) {
        // The model's headers were meant for the origin it named, not wherever that redirects.
        headers = ownHeaders;
        notes.push('[request headers were not forwarded to the new origin]');
      }
      url = next;
      method = nextMethod;
      continue;
    }
    const read = method === 'HEAD' ? undefined : await readCapped(response, grant.maxBytes);
    if (!read) response.destroy();
    return formatResponse(
      status,
      response.statusMessage ?? '',
      response.headers,
      read,
      notes,
      grant.maxBytes,
    );
  }
}

/**
 * The `http.fetch` tool. Every hop (the first request and each redirect,
 * followed by hand, at most 5) is checked: scheme, the grant's host patterns,
 * the grant's methods, and every address the host resolves to (private,
 * loopback, link-local … refused unless the grant allows private addresses);
 * the request then connects to the checked address itself. Response size and
 * time are capped by the grant; the AbortSignal ends it at once.
 */
export function createHttpFetchTool(
  options: HttpFetchToolOptions = {},
): Tool<typeof HttpFetchArgs> {
  const resolved: Required<HttpFetchToolOptions> = {
    resolve: options.resolve ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true })),
    classifyAddress: options.classifyAddress ?? nonPublicReason,
    userAgent: options.userAgent ?? 'flightdeck-agent',
  };
  return {
    name: 'http.fetch',
    description:
      'Make one HTTP(S) request to a host granted to this agent and return the status, a few headers and the body as text. Redirects are followed (at most 5), each checked against the grant.',
    args: HttpFetchArgs,
    idempotent: false,
    // It answers with the response; it never writes to the workspace.
    readOnly: true,
    isIdempotent: (args) => args.method === 'GET' || args.method === 'HEAD',
    async run(args, { signal, grant }) {
      if (!isHttpFetchGrant(grant))
        return { ok: false, output: 'refused: http.fetch is not granted to this agent' };
      if (!grant.methods.includes(args.method)) {
        return {
          ok: false,
          output: `refused: method ${args.method} is not granted (granted: ${grant.methods.join(', ')})`,
        };
      }
      if (args.body !== undefined && (args.method === 'GET' || args.method === 'HEAD')) {
        return { ok: false, output: `refused: a ${args.method} request cannot have a body` };
      }
      const limit = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        limit.abort(new Error('timed out'));
      }, grant.timeoutMs);
      const onAbort = () => limit.abort(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      try {
        return await fetchGranted(args, grant, limit.signal, resolved);
      } catch (error) {
        return describeFailure(error, timedOut, grant.timeoutMs, signal.aborted);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

export const httpFetch = createHttpFetchTool();
