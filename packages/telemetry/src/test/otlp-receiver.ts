import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExportTraceServiceRequest, OtlpSpan } from '../otlp/encode';

/** What the receiver does with the next request: answer with a status, or drop the connection. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'destroy';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: ExportTraceServiceRequest;
  /** How the receiver answered. */
  reply: Reply;
}

/**
 * A local OTLP/HTTP trace receiver (JSON), started by a test on 127.0.0.1:0.
 * Replies are scripted (`script(503, 'destroy')`); once the script runs out it
 * answers 200 `{}`. Only requests it answered 2xx count as delivered.
 */
export async function startOtlpReceiver() {
  const requests: ReceivedRequest[] = [];
  const replies: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = replies.shift() ?? { status: 200, body: '{}' };
      let body: ExportTraceServiceRequest = { resourceSpans: [] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportTraceServiceRequest;
      } catch {
        // Kept empty: the test sees the request anyway.
      }
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        reply,
      });
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    script(...next: Array<number | Reply>) {
      replies.push(...next.map((r) => (typeof r === 'number' ? { status: r } : r)));
    },
    /** Spans of the requests answered 2xx, in arrival order. */
    delivered(): OtlpSpan[] {
      return requests
        .filter((r) => r.reply !== 'destroy' && r.reply.status >= 200 && r.reply.status < 300)
        .flatMap((r) =>
          r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
        );
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;

export const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** Wait until `check` holds (polling), or fail after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
