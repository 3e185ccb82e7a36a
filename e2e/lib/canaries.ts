import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { repoRoot } from './processes';
import { CANARIES_FILE } from './state';

/** What e2e/stack.mjs planted and where the stack keeps its data. */
export interface StackSecrets {
  canaries: Record<string, string>;
  database: string;
  /** The stack's database, without the canary password. */
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  logDir: string;
  workspaceRoot: string;
  auditCheckpoint: string;
}

export function stackSecrets(): StackSecrets {
  return JSON.parse(readFileSync(CANARIES_FILE, 'utf8')) as StackSecrets;
}

/** One place a secret could end up, as text. */
export interface Source {
  where: string;
  text: string;
}

export interface Finding {
  canary: string;
  where: string;
  excerpt: string;
}

/**
 * Every canary, looked for in every source: its random part (so a prefix cut
 * off or a different case still counts) and its base64 form.
 */
export function scan(sources: Iterable<Source>, canaries: Record<string, string>): Finding[] {
  const needles = Object.entries(canaries).flatMap(([name, value]) => {
    const random = value.slice(value.lastIndexOf('-') + 1).toLowerCase();
    return [
      { name, needle: random },
      { name: `${name} (base64)`, needle: Buffer.from(value).toString('base64').toLowerCase() },
    ];
  });
  const findings: Finding[] = [];
  for (const source of sources) {
    const text = source.text.toLowerCase();
    for (const { name, needle } of needles) {
      const at = text.indexOf(needle);
      if (at < 0) continue;
      findings.push({
        canary: name,
        where: source.where,
        excerpt: source.text.slice(Math.max(0, at - 80), at + needle.length + 80),
      });
    }
  }
  return findings;
}

/** Every file under a directory (or the file itself), as text. */
export function fileSources(root: string, label: string): Source[] {
  if (!existsSync(root)) return [];
  if (statSync(root).isFile())
    return [{ where: `${label}: ${root}`, text: readFileSync(root, 'latin1') }];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return {
        where: `${label}: ${path.relative(repoRoot, file)}`,
        text: readFileSync(file, 'latin1'),
      };
    });
}

/** Every key under the stack's queue prefix, read by type (BullMQ's job payloads are hashes, its events streams). */
export async function redisSources(url: string, prefix: string): Promise<Source[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    // Glob specials in the prefix (`[`, `]`, `*`, `?`, `\`) are escaped; braces are literal.
    const pattern = `${prefix.replace(/[[\]*?\\]/g, '\\$&')}*`;
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const sources: Source[] = [];
    for (const key of new Set(keys)) {
      const type = await redis.type(key);
      let values: (string | Buffer)[];
      switch (type) {
        case 'string':
          values = [(await redis.getBuffer(key)) ?? ''];
          break;
        case 'hash':
          values = Object.entries(await redis.hgetall(key)).flat();
          break;
        case 'list':
          values = await redis.lrange(key, 0, -1);
          break;
        case 'set':
          values = await redis.smembers(key);
          break;
        case 'zset':
          values = await redis.zrange(key, 0, -1, 'WITHSCORES');
          break;
        case 'stream':
          values = (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
          break;
        case 'none':
          continue; // expired meanwhile
        default:
          throw new Error(`redis key ${key} has a type the scan cannot read: ${type}`);
      }
      sources.push({
        where: `redis ${type} ${key}`,
        text: [key, ...values.map((v) => (typeof v === 'string' ? v : v.toString('latin1')))].join(
          '\n',
        ),
      });
    }
    return sources;
  } finally {
    redis.disconnect();
  }
}

/** Every row of every table of the stack's database (pg_dump --data-only), one source per table. */
export function postgresSources(databaseUrl: string): Source[] {
  const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', databaseUrl], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const sources: Source[] = [];
  let table = '(preamble)';
  let lines: string[] = [];
  const flush = () => {
    if (lines.length) sources.push({ where: `postgres ${table}`, text: lines.join('\n') });
    lines = [];
  };
  for (const line of dump.split('\n')) {
    const copy = /^COPY (\S+)/.exec(line);
    if (copy) {
      flush();
      table = copy[1]!;
    }
    lines.push(line);
  }
  flush();
  return sources;
}

/**
 * Live messages on Flightdeck's pub/sub channels (`fd:*`: run events, fleet
 * summaries, approvals, control), scanned as they arrive. The channels are not
 * per stack, so other stacks on the same Redis are heard too: their messages
 * cannot hold this stack's canaries, and are scanned without being kept.
 */
export async function listenToPubSub(url: string, canaries: Record<string, string>) {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  const findings: Finding[] = [];
  const channels = new Map<string, number>();
  redis.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const kind = channel.replace(/^(fd:run):.*/, '$1:<run>');
    channels.set(kind, (channels.get(kind) ?? 0) + 1);
    findings.push(...scan([{ where: `redis pub/sub ${channel}`, text: message }], canaries));
  });
  await redis.psubscribe('fd:*');
  return {
    findings,
    channels,
    stop: () => redis.disconnect(),
  };
}
