import { APICallError, RetryError, StreamProviderError } from 'ai';
import { ModelCallError } from '../types';

/** Which provider failed (for the message) and what must never appear in it. */
export interface ErrorContext {
  label: string;
  secrets: readonly string[];
}

/** Provider error types (Anthropic's, OpenAI's) that say "try again later". */
const RETRYABLE_TYPES = new Set([
  'overloaded_error',
  'rate_limit_error',
  'api_error',
  'server_error',
  'rate_limit_exceeded',
]);

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/**
 * Any failure of a model call as a `ModelCallError`: retryable for rate
 * limits, overload, 5xx and network trouble; not for bad keys or requests.
 * The message names the provider and the status and carries no key, no
 * stack, no URL query and no request body.
 */
export function toModelCallError(error: unknown, context: ErrorContext): ModelCallError {
  const { label } = context;
  const clean = (message: string) => sanitizeMessage(message, context.secrets);

  if (RetryError.isInstance(error)) {
    const inner = toModelCallError(error.lastError, context);
    const attempts = error.errors.length;
    return new ModelCallError(
      attempts > 1 ? `${inner.message} (after ${attempts} attempts)` : inner.message,
      inner.retryable,
    );
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined)
      return new ModelCallError(
        `${label} could not be reached: ${clean(error.message)}`,
        error.isRetryable,
      );
    return new ModelCallError(
      `${label} answered HTTP ${status}: ${clean(error.message)}`,
      isRetryableStatus(status),
    );
  }
  if (StreamProviderError.isInstance(error)) {
    const retryable =
      error.isRetryable ||
      (error.type !== undefined && RETRYABLE_TYPES.has(error.type)) ||
      (error.statusCode !== undefined && isRetryableStatus(error.statusCode));
    return new ModelCallError(
      `${label} failed mid-stream${error.type ? ` (${error.type})` : ''}: ${clean(error.message)}`,
      retryable,
    );
  }
  const payload = providerErrorPayload(error);
  if (payload) {
    return new ModelCallError(
      `${label} failed mid-stream${payload.type ? ` (${payload.type})` : ''}: ${clean(payload.message)}`,
      RETRYABLE_TYPES.has(payload.type ?? ''),
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelCallError(`${label} call failed: ${clean(message)}`, false);
}

/** A raw provider error object (`{ type, message }` or `{ error: { type, message } }`) the SDK passed through. */
function providerErrorPayload(error: unknown): { type?: string; message: string } | null {
  if (typeof error !== 'object' || error === null || error instanceof Error) return null;
  const outer = error as { error?: unknown; type?: unknown; message?: unknown };
  const inner =
    typeof outer.error === 'object' && outer.error !== null
      ? (outer.error as { type?: unknown; message?: unknown })
      : outer;
  if (typeof inner.message !== 'string') return null;
  return { type: typeof inner.type === 'string' ? inner.type : undefined, message: inner.message };
}

const MAX_MESSAGE_LENGTH = 500;

/**
 * Make a provider's words safe to record: the configured secrets and anything
 * shaped like a key or a bearer token are redacted (providers echo keys, masked
 * or not, in 401s), URLs lose their credentials, query and fragment, and the
 * text is one line of bounded length.
 */
export function sanitizeMessage(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  }
  text = text
    .replace(/https?:\/\/[^\s"'<>]+/g, stripUrl)
    .replace(/\b(?:sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]')
    .replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]')
    .replace(/(x-api-key|api[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',;]+/gi, '$1$2[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

function stripUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return raw.replace(/[?#].*$/, '');
  }
}
