import { z } from 'zod';

/** Run and agent ids are UUIDs; trace ids follow W3C trace context. */
export const Uuid = z.uuid();
export const TraceId = z.string().regex(/^[0-9a-f]{32}$/, 'a 32-hex-digit W3C trace id');
export const SpanId = z.string().regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit W3C span id');

/** Monotonic, never-reused id of a model or tool call inside a run. */
export const CallId = z.string().min(1).max(128);

const hex = '0123456789abcdef';
function randomHex(length: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += hex[Math.floor(random() * 16)];
  return out;
}

export function newTraceId(random: () => number = Math.random): string {
  return randomHex(32, random);
}

export function newSpanId(random: () => number = Math.random): string {
  return randomHex(16, random);
}
