import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a model vendor's HTTP API on 127.0.0.1: it answers each
 * request with the next reply scripted for its path (real SSE streams in the
 * vendor's own event format, or JSON errors), records what it received, and
 * can stall a stream half-way to see whether the client hangs up.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** One server-sent event. `data` is sent as JSON, or verbatim when it is a string (`[DONE]`). */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A server-sent event stream; with `stallAfter`, only that many events are sent and the connection is held open. */
export interface StreamReply {
  kind: 'stream';
  events: SseEvent[];
  stallAfter?: number;
}

export type Reply =
  StreamReply | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> };

export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, Reply[]>();
  private readonly stalls: Array<{ closed: Promise<void> }> = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<StandInServer> {
    const server = createServer();
    const standIn = new StandInServer(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          // keep the raw text
        }
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        standIn.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
        standIn.answer(path, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queue replies for a path, answered in order. */
  reply(path: string, ...replies: Reply[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...replies]);
  }

  /** Resolves when the client closes the connection of the n-th stalled stream (0-based). */
  async stalledStreamClosed(index = 0): Promise<void> {
    for (let i = 0; i < 200 && !this.stalls[index]; i++) await new Promise((r) => setTimeout(r, 5));
    const stall = this.stalls[index];
    if (!stall) throw new Error('no stream stalled');
    await stall.closed;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private answer(path: string, res: ServerResponse): void {
    const reply = this.scripts.get(path)?.shift();
    if (!reply) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `stand-in: nothing scripted for ${path}`, type: 'server_error' },
        }),
      );
      return;
    }
    if (reply.kind === 'json') {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const count = reply.stallAfter ?? reply.events.length;
    for (const event of reply.events.slice(0, count)) {
      const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
      res.write(`${event.event ? `event: ${event.event}\n` : ''}data: ${data}\n\n`);
    }
    if (reply.stallAfter === undefined) {
      res.end();
      return;
    }
    this.stalls.push({ closed: new Promise<void>((resolve) => res.on('close', () => resolve())) });
  }
}
