/**
 * Secrets never leave the server in clear: logs, error messages shown to
 * browsers or models, and anything else that may be copied around pass through
 * `redactSecrets`. It knows Flightdeck's own token formats, common provider
 * key formats, Bearer headers, passwords in URLs and `key=value` credentials,
 * plus any exact values the caller lists (e.g. the provider keys in its env).
 */
const REDACTED = '[redacted]';

const PATTERNS: readonly [RegExp, string][] = [
  // Flightdeck API tokens, setup and invitation links.
  [/\b(fd[tsi]_)[A-Za-z0-9_-]{16,}/g, `$1${REDACTED}`],
  // OpenAI / Anthropic style keys.
  [/\b(sk-(?:ant-|proj-)?)[A-Za-z0-9_-]{16,}/g, `$1${REDACTED}`],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // api_key=…, "token": "…", password: …
  [
    /\b((?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|passwd)["']?\s*[:=]\s*["']?)[^\s"',;}&]{4,}/gi,
    `$1${REDACTED}`,
  ],
];

export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
