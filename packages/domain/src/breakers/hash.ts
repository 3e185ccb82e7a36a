import { canonicalJson } from '../canonical-json';

/**
 * A short, fast, non-cryptographic digest (cyrb53) for telling calls, results
 * and contents apart in the breakers' memory. Pure and synchronous, so the
 * browser's reducer computes exactly what the worker's does. A collision can
 * only make two different calls look alike to a breaker.
 */
export function digest(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Arguments as canonical JSON (keys sorted); anything JSON cannot hold is shown, not thrown. */
export function argsText(args: Record<string, unknown>): string {
  try {
    return canonicalJson(args);
  } catch {
    return JSON.stringify(args) ?? '{}';
  }
}

/** A call's identity for the breakers: the tool and its exact arguments. */
export function callSignature(tool: string, args: Record<string, unknown>): string {
  return digest(`${tool}\u0000${argsText(args)}`);
}

/** A call as a person reads it in evidence: `fs.read {"path":"notes.md"}`, clipped. */
export function callLabel(tool: string, args: Record<string, unknown>, max = 160): string {
  const text = `${tool} ${argsText(args)}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
