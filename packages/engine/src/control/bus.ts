import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The control channel: commands recorded as events are also signalled here, so
 * that every worker process aborts what it is running for that run at once.
 */
export const CONTROL_CHANNEL = 'fd:control';

export const ControlMessage = z.discriminatedUnion('type', [
  /** Abort every turn of the run in flight (kill, or a pause that aborts). */
  z.object({ type: z.literal('run.abort'), runId: z.uuid(), reason: z.string().max(2000) }),
  /** Abort the turns in flight of these agents of the run (agent kill or abort-pause). */
  z.object({
    type: z.literal('agents.abort'),
    runId: z.uuid(),
    agentIds: z.array(z.uuid()).min(1).max(1000),
    reason: z.string().max(2000),
  }),
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

export async function publishControl(redis: Redis, message: ControlMessage): Promise<void> {
  await redis.publish(CONTROL_CHANNEL, JSON.stringify(ControlMessage.parse(message)));
}

/**
 * Subscribe a dedicated connection to the control channel. Malformed messages
 * are reported to `onInvalid` and otherwise ignored: they never reach a handler.
 */
export async function subscribeControl(
  subscriber: Redis,
  onMessage: (message: ControlMessage) => void,
  onInvalid: (raw: string, error: string) => void,
): Promise<void> {
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel !== CONTROL_CHANNEL) return;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      onInvalid(raw, 'not JSON');
      return;
    }
    const parsed = ControlMessage.safeParse(data);
    if (!parsed.success) onInvalid(raw, parsed.error.message);
    else onMessage(parsed.data);
  });
  await subscriber.subscribe(CONTROL_CHANNEL);
}

/**
 * Each worker acknowledges every control message it acted on, with how many
 * turns it aborted: operators (and the kill benchmark) can see a kill reach
 * every worker.
 */
export const CONTROL_ACK_CHANNEL = 'fd:control:ack';

export const ControlAck = z.object({
  runId: z.uuid(),
  worker: z.string().max(200),
  aborted: z.number().int().nonnegative(),
  /** When the aborts fired, in epoch milliseconds (fractional). */
  at: z.number(),
});
export type ControlAck = z.infer<typeof ControlAck>;

export async function publishControlAck(redis: Redis, ack: ControlAck): Promise<void> {
  await redis.publish(CONTROL_ACK_CHANNEL, JSON.stringify(ack));
}
