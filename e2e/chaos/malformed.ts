/**
 * Malformed values for fuzzing, from a seeded random source: wrong types,
 * boundary numbers, hostile strings, deep nesting, prototype keys, and
 * near-valid objects (known field names holding the wrong thing).
 */

/** Field names the API, sockets and jobs take: a near-valid object uses them with wrong values. */
const FIELDS = [
  'runId',
  'agentId',
  'approvalId',
  'teamSlug',
  'teamId',
  'goal',
  'reason',
  'message',
  'limit',
  'afterSeq',
  'before',
  'since',
  'source',
  'decision',
  'fingerprint',
  'args',
  'mode',
  'turn',
  'deliveryId',
  'email',
  'roles',
  'teams',
  'token',
  'path',
  'range',
  'url',
  'name',
  'id',
];

const STRINGS = [
  '',
  ' ',
  '\u0000',
  "' OR 1=1 --",
  '"; DROP TABLE runs; --',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${process.env}',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  '2026-13-45T25:61:61Z',
  '\ud800',
  '🚀'.repeat(1000),
  'a'.repeat(70_000),
  'null',
  '-1',
  '1e309',
  '__proto__',
];

const NUMBERS = [0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER];

export function malformed(random: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const roll = random();
  if (depth > 3 || roll < 0.15) return pick([null, true, false, ...NUMBERS]);
  if (roll < 0.35) return pick(STRINGS);
  if (roll < 0.45)
    return Array.from({ length: Math.floor(random() * 4) }, () => malformed(random, depth + 1));
  if (roll < 0.5) {
    // Deep nesting.
    let value: unknown = 1;
    for (let i = 0; i < 500; i++) value = { a: value };
    return value;
  }
  if (roll < 0.55)
    return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
  // A near-valid object: known fields, wrong or boundary values, sometimes an extra key.
  const object: Record<string, unknown> = {};
  const fields = 1 + Math.floor(random() * 4);
  for (let i = 0; i < fields; i++) object[pick(FIELDS)] = malformed(random, depth + 1);
  if (random() < 0.3) object[`extra${Math.floor(random() * 100)}`] = 'x';
  return object;
}
