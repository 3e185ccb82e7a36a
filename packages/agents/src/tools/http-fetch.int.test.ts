import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpFetchGrant } from '@flightdeck/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpFetchTool, httpFetch, type ResolveHost } from './http-fetch';
import { nonPublicReason } from './ip-address';

/**
 * Two local servers stand in for the internet and the intranet:
 * `internal` on 127.0.0.1 (what an attacker wants to reach) and `outside` on
 * 127.0.0.2, the same port. Tests that need a "public" address use a fetch
 * tool whose address check treats 127.0.0.2 (only) as public.
 */

interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  server: http.Server;
  hits: Hit[];
  port: number;
}

async function listen(host: string, port: number, handler: RequestListener): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, hits, port: (server.address() as AddressInfo).port };
}

const never = new AbortController().signal;
let internal: TestServer;
let outside: TestServer;

function grant(scope: Partial<HttpFetchGrant> = {}): HttpFetchGrant {
  return {
    name: 'http.fetch',
    hosts: ['*'],
    methods: ['GET'],
    allowPrivate: false,
    maxBytes: 64 * 1024,
    timeoutMs: 5_000,
    ...scope,
  };
}
const ctx = (g: HttpFetchGrant, signal = never) => ({
  workspace: '/nonexistent',
  signal,
  grant: g,
});

/** A resolver with fixed answers that counts its calls; answers may change per call (rebinding). */
function fakeDns(answers: Record<string, string[] | ((call: number) => string[])>) {
  const calls: string[] = [];
  const resolve: ResolveHost = (hostname) => {
    calls.push(hostname);
    const entry = answers[hostname];
    if (!entry) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    const list =
      typeof entry === 'function' ? entry(calls.filter((h) => h === hostname).length) : entry;
    return Promise.resolve(
      list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return { resolve, calls };
}

/** 127.0.0.2 plays a public address; every other address is judged as usual. */
const outsideIsPublic = (address: string) =>
  address === '127.0.0.2' ? undefined : nonPublicReason(address);

beforeEach(async () => {
  internal = await listen('127.0.0.1', 0, (req, res) => {
    if (req.url === '/slow-headers') return; // never answers
    if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return; // never ends
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('x'.repeat(5_000));
    }
    if (req.url === '/binary') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]));
    }
    const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
    if (hop) {
      const n = Number(hop[1]);
      res.writeHead(302, { location: n > 1 ? `/hop/${n - 1}` : '/secret' });
      return void res.end();
    }
    if (req.url === '/see-other') {
      res.writeHead(303, { location: '/secret' });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'session=abc' });
    res.end(`internal secret (${req.method})`);
  });
  outside = await listen('127.0.0.2', internal.port, (req, res) => {
    if (req.url === '/to-internal-ip') {
      res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/secret` });
      return void res.end();
    }
    if (req.url === '/to-internal-name') {
      res.writeHead(301, { location: `http://intranet.test:${internal.port}/secret` });
      return void res.end();
    }
    if (req.url === '/to-same-host') {
      res.writeHead(307, { location: '/again' });
      return void res.end();
    }
    if (req.url === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void res.end();
    }
    if (req.url === '/to-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('public page');
  });
});

afterEach(async () => {
  for (const s of [internal, outside]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

describe('http.fetch: private and internal addresses are refused', () => {
  it('refuses the cloud metadata address', async () => {
    const result = await httpFetch.run(
      { url: 'http://169.254.169.254/latest/meta-data/', method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result).toEqual({
      ok: false,
      output: expect.stringMatching(
        /^refused: 169\.254\.169\.254 is a link-local \(cloud metadata\) address; private and internal addresses are not reachable$/,
      ),
    });
  });

  it('refuses a real local server on 127.0.0.1, which never sees the request', async () => {
    const result = await httpFetch.run(
      { url: `http://127.0.0.1:${internal.port}/secret`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result.output).toMatch(/^refused: .*loopback address/);
    expect(internal.hits).toEqual([]);
  });

  it.each([
    ['decimal', (p: number) => `http://2130706433:${p}/secret`],
    ['hex', (p: number) => `http://0x7f.0.0.1:${p}/secret`],
    ['short', (p: number) => `http://127.1:${p}/secret`],
    ['IPv4-mapped IPv6', (p: number) => `http://[::ffff:127.0.0.1]:${p}/secret`],
    ['IPv6 loopback', (p: number) => `http://[::1]:${p}/secret`],
    ['unspecified', (p: number) => `http://0.0.0.0:${p}/secret`],
  ])('refuses loopback written in %s form', async (_form, url) => {
    const result = await httpFetch.run(
      { url: url(internal.port), method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result.output).toMatch(/^refused: .*(loopback|unspecified)/);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a name the system resolver maps to loopback (localhost)', async () => {
    const result = await httpFetch.run(
      { url: `http://localhost:${internal.port}/secret`, method: 'GET', headers: {} },
      ctx(grant({ hosts: ['localhost'] })),
    );
    expect(result.output).toMatch(/^refused: localhost resolves to .*loopback/);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a name when ANY of its addresses is private', async () => {
    const dns = fakeDns({ 'mixed.test': ['93.184.215.14', '10.0.0.7'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve });
    const result = await tool.run(
      { url: 'http://mixed.test/', method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result.output).toBe(
      'refused: mixed.test resolves to 10.0.0.7, a private address; private and internal addresses are not reachable',
    );
  });

  it('refuses a redirect from an allowed public host to a private IP', async () => {
    const dns = fakeDns({ 'public.test': ['127.0.0.2'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const result = await tool.run(
      { url: `http://public.test:${outside.port}/to-internal-ip`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(outside.hits.map((h) => h.url)).toEqual(['/to-internal-ip']);
    expect(result.output).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a redirect to a name that resolves privately, and to the metadata address', async () => {
    const dns = fakeDns({ 'public.test': ['127.0.0.2'], 'intranet.test': ['192.168.1.10'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const byName = await tool.run(
      { url: `http://public.test:${outside.port}/to-internal-name`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(byName.output).toMatch(
      /^refused: intranet\.test resolves to 192\.168\.1\.10, a private address/,
    );
    const metadata = await tool.run(
      { url: `http://public.test:${outside.port}/to-metadata`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(metadata.output).toMatch(/^refused: 169\.254\.169\.254 is a link-local/);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a redirect to a host outside the allow-list, and to a non-http scheme', async () => {
    const dns = fakeDns({ 'public.test': ['127.0.0.2'], 'intranet.test': ['127.0.0.2'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const g = grant({ hosts: ['public.test'] });
    const other = await tool.run(
      { url: `http://public.test:${outside.port}/to-internal-name`, method: 'GET', headers: {} },
      ctx(g),
    );
    expect(other.output).toBe(
      'refused: host intranet.test is not among the hosts granted to this agent (public.test)',
    );
    const file = await tool.run(
      { url: `http://public.test:${outside.port}/to-file`, method: 'GET', headers: {} },
      ctx(g),
    );
    expect(file.output).toBe('refused: only http and https URLs are allowed, not file');
  });
});

describe('http.fetch: headers across redirects', () => {
  it('does not forward the model’s headers to another origin', async () => {
    const dns = fakeDns({ 'public.test': ['127.0.0.2'], 'intranet.test': ['127.0.0.1'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve });
    const g = grant({ allowPrivate: true });
    const result = await tool.run(
      {
        url: `http://public.test:${outside.port}/to-internal-name`,
        method: 'GET',
        headers: { 'X-Api-Key': 'k' },
      },
      ctx(g),
    );
    expect(result.output).toContain('[request headers were not forwarded to the new origin]');
    expect(outside.hits[0]?.headers['x-api-key']).toBe('k');
    expect(internal.hits[0]?.headers['x-api-key']).toBeUndefined();
  });
});

describe('http.fetch: DNS rebinding', () => {
  it('connects to the address it checked, even if the name re-resolves to a private one', async () => {
    // First answer public, every later answer the internal server: a rebinding attacker's DNS.
    const dns = fakeDns({ 'rebind.test': (call) => (call === 1 ? ['127.0.0.2'] : ['127.0.0.1']) });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const result = await tool.run(
      { url: `http://rebind.test:${outside.port}/page`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result).toMatchObject({ ok: true, output: expect.stringContaining('public page') });
    expect(dns.calls).toEqual(['rebind.test']);
    expect(outside.hits[0]?.headers.host).toBe(`rebind.test:${outside.port}`);
    expect(internal.hits).toEqual([]);
  });

  it('re-resolves and re-checks on every redirect hop, so a rebind between hops is refused', async () => {
    const dns = fakeDns({ 'rebind.test': (call) => (call === 1 ? ['127.0.0.2'] : ['127.0.0.1']) });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const result = await tool.run(
      { url: `http://rebind.test:${outside.port}/to-same-host`, method: 'GET', headers: {} },
      ctx(grant()),
    );
    expect(result.output).toMatch(
      /^refused: rebind\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
    expect(dns.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(internal.hits).toEqual([]);
  });

  it('pins even when private addresses are allowed: the second answer is never used', async () => {
    // 127.0.0.3 has no server: had the request followed the second answer, it would fail.
    const dns = fakeDns({ 'pinned.test': (call) => (call === 1 ? ['127.0.0.1'] : ['127.0.0.3']) });
    const tool = createHttpFetchTool({ resolve: dns.resolve });
    const result = await tool.run(
      { url: `http://pinned.test:${internal.port}/secret`, method: 'GET', headers: {} },
      ctx(grant({ allowPrivate: true })),
    );
    expect(result.ok).toBe(true);
    expect(dns.calls).toHaveLength(1);
  });
});

describe('http.fetch: the grant', () => {
  it('refuses a host that is not in the allow-list, before resolving it', async () => {
    const dns = fakeDns({ 'evil.test': ['93.184.215.14'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve });
    const result = await tool.run(
      { url: 'http://evil.test/', method: 'GET', headers: {} },
      ctx(grant({ hosts: ['api.github.com', '*.example.com'] })),
    );
    expect(result.output).toBe(
      'refused: host evil.test is not among the hosts granted to this agent (api.github.com, *.example.com)',
    );
    expect(dns.calls).toEqual([]);
  });

  it('matches host patterns case-insensitively and ignores a trailing dot', async () => {
    const dns = fakeDns({ 'api.example.com.': ['127.0.0.2'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve, classifyAddress: outsideIsPublic });
    const result = await tool.run(
      { url: `http://API.Example.com.:${outside.port}/`, method: 'GET', headers: {} },
      ctx(grant({ hosts: ['*.example.com'] })),
    );
    expect(result.ok).toBe(true);
  });

  it('refuses methods that are not granted, and bodies on GET', async () => {
    const post = await httpFetch.run(
      { url: 'http://example.com/', method: 'POST', headers: {}, body: 'x' },
      ctx(grant()),
    );
    expect(post.output).toBe('refused: method POST is not granted (granted: GET)');
    const getBody = await httpFetch.run(
      { url: 'http://example.com/', method: 'GET', headers: {}, body: 'x' },
      ctx(grant()),
    );
    expect(getBody.output).toBe('refused: a GET request cannot have a body');
  });

  it.each([
    ['file:///etc/passwd', 'refused: only http and https URLs are allowed, not file'],
    ['ftp://example.com/', 'refused: only http and https URLs are allowed, not ftp'],
    ['http://user:pass@example.com/', 'refused: URLs with embedded credentials are not allowed'],
    ['not a url', 'refused: not a valid absolute URL'],
  ])('refuses %s', async (url, output) => {
    expect(await httpFetch.run({ url, method: 'GET', headers: {} }, ctx(grant()))).toEqual({
      ok: false,
      output,
    });
  });

  it('is idempotent per call for GET and HEAD only', () => {
    expect(httpFetch.idempotent).toBe(false);
    expect(httpFetch.isIdempotent?.({ url: 'http://x/', method: 'GET', headers: {} })).toBe(true);
    expect(httpFetch.isIdempotent?.({ url: 'http://x/', method: 'HEAD', headers: {} })).toBe(true);
    expect(httpFetch.isIdempotent?.({ url: 'http://x/', method: 'POST', headers: {} })).toBe(false);
  });
});

describe('http.fetch: allowed private fetches, with limits', () => {
  const local = grant({ hosts: ['127.0.0.1'], allowPrivate: true });

  it('fetches, shows selected headers only, and drops credential headers', async () => {
    const result = await httpFetch.run(
      {
        url: `http://127.0.0.1:${internal.port}/secret`,
        method: 'GET',
        headers: {
          Authorization: 'Bearer sk-live',
          Cookie: 'a=b',
          'Proxy-Authorization': 'x',
          Host: 'evil.test',
          'X-Trace': '1',
        },
      },
      ctx(local),
    );
    expect(result).toEqual({
      ok: true,
      output: [
        'HTTP 200 OK',
        'content-type: text/plain',
        '[dropped request headers: authorization, cookie, proxy-authorization, host]',
        '',
        'internal secret (GET)',
      ].join('\n'),
    });
    const seen = internal.hits[0]!.headers;
    expect(seen).toMatchObject({ host: `127.0.0.1:${internal.port}`, 'x-trace': '1' });
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
  });

  it('caps the body at maxBytes and says so', async () => {
    const result = await httpFetch.run(
      { url: `http://127.0.0.1:${internal.port}/big`, method: 'GET', headers: {} },
      ctx({ ...local, maxBytes: 1024 }),
    );
    expect(result.output).toContain('[body truncated: the response is larger than 1024 bytes]');
    expect(result.output.split('\n\n')[1]).toBe('x'.repeat(1024));
  });

  it('does not show binary bodies', async () => {
    const result = await httpFetch.run(
      { url: `http://127.0.0.1:${internal.port}/binary`, method: 'GET', headers: {} },
      ctx(local),
    );
    expect(result.output).toContain('(binary body: 7 bytes, not shown)');
  });

  it('times out waiting for headers, and while reading a body that never ends', async () => {
    const g = { ...local, timeoutMs: 200 };
    for (const path of ['/slow-headers', '/slow-body']) {
      const started = Date.now();
      const result = await httpFetch.run(
        { url: `http://127.0.0.1:${internal.port}${path}`, method: 'GET', headers: {} },
        ctx(g),
      );
      expect(result).toEqual({ ok: false, output: 'timed out after 200 ms' });
      expect(Date.now() - started).toBeLessThan(1_500);
    }
  });

  it('stops at once when the run is aborted', async () => {
    const controller = new AbortController();
    const running = httpFetch.run(
      { url: `http://127.0.0.1:${internal.port}/slow-headers`, method: 'GET', headers: {} },
      ctx(local, controller.signal),
    );
    setTimeout(() => controller.abort(), 50);
    expect(await running).toEqual({ ok: false, output: 'aborted' });
  });

  it('follows a redirect chain by hand, checking every hop', async () => {
    const dns = fakeDns({ 'intranet.test': ['127.0.0.1'] });
    const tool = createHttpFetchTool({ resolve: dns.resolve });
    const g = grant({ hosts: ['intranet.test'], allowPrivate: true });
    const result = await tool.run(
      { url: `http://intranet.test:${internal.port}/hop/3`, method: 'GET', headers: {} },
      ctx(g),
    );
    expect(result.ok).toBe(true);
    expect(result.output).toContain(
      `[redirected (302) to http://intranet.test:${internal.port}/hop/2]`,
    );
    expect(result.output).toContain(
      `[redirected (302) to http://intranet.test:${internal.port}/secret]`,
    );
    expect(result.output).toContain('internal secret (GET)');
    expect(internal.hits.map((h) => h.url)).toEqual(['/hop/3', '/hop/2', '/hop/1', '/secret']);
    expect(dns.calls).toHaveLength(4);
  });

  it('refuses more than 5 redirects', async () => {
    const result = await httpFetch.run(
      { url: `http://127.0.0.1:${internal.port}/hop/6`, method: 'GET', headers: {} },
      ctx(local),
    );
    expect(result).toEqual({ ok: false, output: 'refused: more than 5 redirects' });
    expect(internal.hits).toHaveLength(6);
  });

  it('turns POST into GET on 303, and only if GET is granted', async () => {
    const postOnly = await httpFetch.run(
      {
        url: `http://127.0.0.1:${internal.port}/see-other`,
        method: 'POST',
        headers: {},
        body: 'x',
      },
      ctx({ ...local, methods: ['POST'] }),
    );
    expect(postOnly.output).toMatch(/^refused: the redirect to .* needs GET, which is not granted/);
    const both = await httpFetch.run(
      {
        url: `http://127.0.0.1:${internal.port}/see-other`,
        method: 'POST',
        headers: {},
        body: 'x',
      },
      ctx({ ...local, methods: ['POST', 'GET'] }),
    );
    expect(both.output).toContain('internal secret (GET)');
  });
});
