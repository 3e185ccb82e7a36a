import type { Redis } from 'ioredis';

interface Entry {
  /** Local watchers that want this channel. */
  count: number;
  /** Whether the Redis connection is subscribed to it right now. */
  subscribed: boolean;
  /** Operations on this channel run one after another. */
  tail: Promise<void>;
  pending: number;
}

/**
 * One Redis subscriber connection per web process, shared by every socket.
 * Channels are reference-counted: SUBSCRIBE on the first watcher, UNSUBSCRIBE
 * after the last. `acquire` resolves once Redis confirmed the subscription, so
 * a caller that reads the log afterwards cannot miss an event in between.
 */
export class ChannelSubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly subscriber: Redis,
    private readonly onError: (error: unknown, channel: string) => void,
  ) {}

  acquire(channel: string): Promise<void> {
    const entry = this.entry(channel);
    entry.count += 1;
    return this.schedule(channel, entry);
  }

  release(channel: string): Promise<void> {
    const entry = this.entries.get(channel);
    if (!entry || entry.count === 0) return Promise.resolve();
    entry.count -= 1;
    return this.schedule(channel, entry).catch((error: unknown) => this.onError(error, channel));
  }

  /** Channels with at least one watcher (for metrics and tests). */
  get active(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.count > 0) n += 1;
    return n;
  }

  isSubscribed(channel: string): boolean {
    return this.entries.get(channel)?.subscribed ?? false;
  }

  private entry(channel: string): Entry {
    let entry = this.entries.get(channel);
    if (!entry) {
      entry = { count: 0, subscribed: false, tail: Promise.resolve(), pending: 0 };
      this.entries.set(channel, entry);
    }
    return entry;
  }

  private schedule(channel: string, entry: Entry): Promise<void> {
    entry.pending += 1;
    const step = entry.tail.then(() => this.sync(channel, entry));
    entry.tail = step.then(
      () => this.settle(channel, entry),
      () => this.settle(channel, entry),
    );
    return step;
  }

  private async sync(channel: string, entry: Entry): Promise<void> {
    if (entry.count > 0 && !entry.subscribed) {
      await this.subscriber.subscribe(channel);
      entry.subscribed = true;
    } else if (entry.count === 0 && entry.subscribed) {
      entry.subscribed = false;
      await this.subscriber.unsubscribe(channel);
    }
  }

  private settle(channel: string, entry: Entry): void {
    entry.pending -= 1;
    if (
      entry.pending === 0 &&
      entry.count === 0 &&
      !entry.subscribed &&
      this.entries.get(channel) === entry
    ) {
      this.entries.delete(channel);
    }
  }
}
