/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units), no whitespace,
 * strings and numbers as JSON.stringify writes them; object members whose value
 * is undefined are left out (as JSON.stringify does). Throws on what JSON cannot
 * represent faithfully (an undefined array item, functions, NaN, Infinity,
 * bigint) instead of dropping it silently.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value)
        ? canonicalArray(value)
        : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

// Verification hashes every entry: plain loops and concatenation, no intermediate arrays.
function canonicalArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i ? ',' : '') + canonicalJson(items[i]);
  return `${out}]`;
}

function canonicalObject(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++)
    sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (!sorted) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** What an approval's fingerprint covers: the exact call, where it happens. */
export function callFingerprintSource(call: {
  runId: string;
  agentId: string;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
}): string {
  return canonicalJson({
    runId: call.runId,
    agentId: call.agentId,
    callId: call.callId,
    tool: call.tool,
    args: call.args,
  });
}
