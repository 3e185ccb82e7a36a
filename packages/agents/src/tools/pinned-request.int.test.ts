import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapped, sendPinned } from './pinned-request';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * HTTPS to a pinned IP: the socket goes to the vetted address while SNI and
 * the certificate check use the URL's host name, so pinning neither breaks
 * TLS nor weakens it.
 */
describe.skipIf(!hasOpenssl())('sendPinned over https', () => {
  let server: https.Server;
  let cert: Buffer;
  let port: number;
  const seen: { servername: string | false | null; host: string | undefined }[] = [];
  const signal = new AbortController().signal;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fd-tls-'));
    const [key, crt] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '1',
        '-subj',
        '/CN=pinned.test',
        '-addext',
        'subjectAltName=DNS:pinned.test',
      ],
      { stdio: 'ignore' },
    );
    cert = await readFile(crt);
    server = https.createServer({ key: await readFile(key), cert }, (req, res) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host });
      res.end('hello over tls');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the pinned address with SNI and Host from the name, verifying the certificate for it', async () => {
    const url = new URL(`https://pinned.test:${port}/`);
    const response = await sendPinned(
      { url, hostname: 'pinned.test', address: '127.0.0.1', family: 4 },
      { method: 'GET', headers: {}, signal, ca: cert },
    );
    expect((await readCapped(response, 1024)).body.toString()).toBe('hello over tls');
    expect(seen.at(-1)).toEqual({ servername: 'pinned.test', host: `pinned.test:${port}` });
  });

  it('fails when the certificate does not name the host (the IP is not what is verified)', async () => {
    const url = new URL(`https://other.test:${port}/`);
    const request = sendPinned(
      { url, hostname: 'other.test', address: '127.0.0.1', family: 4 },
      { method: 'GET', headers: {}, signal, ca: cert },
    );
    await expect(request).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('fails with the system roots: a self-signed certificate is not trusted', async () => {
    const url = new URL(`https://pinned.test:${port}/`);
    const request = sendPinned(
      { url, hostname: 'pinned.test', address: '127.0.0.1', family: 4 },
      { method: 'GET', headers: {}, signal },
    );
    await expect(request).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});
