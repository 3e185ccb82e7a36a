import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Each request carries
 *
 *     X-Flightdeck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Receivers recompute the HMAC over the raw body (before any JSON parsing),
 * compare in constant time, and refuse timestamps too far from their clock.
 */

export const SIGNATURE_HEADER = 'X-Flightdeck-Signature';
export const EVENT_HEADER = 'X-Flightdeck-Event';
export const DELIVERY_HEADER = 'X-Flightdeck-Delivery';

/** A new webhook secret: `whsec_` and 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The signature header's value for `rawBody` sent at `timestamp` (unix seconds). */
export function signWebhookBody(
  secret: string,
  rawBody: string | Buffer,
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

/**
 * True when `header` is a valid signature of `rawBody` with `secret`, made
 * within `toleranceSeconds` of now. Several `v1=` values (secret rotation) are
 * accepted if any matches. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Buffer,
  toleranceSeconds = 300,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header || header.length > 2000) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  let ok = false;
  for (const signature of signatures) {
    // Every candidate is compared, so timing does not tell which one matched.
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) ok = true;
  }
  return ok;
}
