/**
 * The raw baseline of the event pipeline: a bare Socket.IO server relaying a
 * Redis channel per run to a room per run, with the same work per message as
 * Flightdeck's relay (parse, check, one room broadcast) and nothing else: no
 * PostgreSQL, no authentication, no access checks.
 * argv: redis URL, port. Tells its parent `ready` once listening.
 */
import { createServer } from 'node:http';
import { runChannel } from '@flightdeck/engine';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const [redisUrl = '', port = '0'] = process.argv.slice(2);
const prefix = runChannel('');
const subscriber = new Redis(redisUrl);
const http = createServer();
const io = new Server(http, { serveClient: false, transports: ['websocket'] });

subscriber.on('message', (channel: string, raw: string) => {
  const message = JSON.parse(raw) as { runId?: unknown; events?: unknown };
  const runId = channel.slice(prefix.length);
  if (message.runId === runId && Array.isArray(message.events))
    io.to(`run:${runId}`).emit('run.events', message);
});

io.on('connection', (socket) => {
  socket.on('run.watch', (input: { runId: string }, ack: (r: { ok: boolean }) => void) => {
    void socket.join(`run:${input.runId}`);
    void subscriber.subscribe(runChannel(input.runId)).then(() => ack({ ok: true }));
  });
});

http.listen(Number(port), '127.0.0.1', () => process.send?.({ kind: 'ready' }));
process.on('disconnect', () => process.exit(0));
