/** Calls on a stack's HTTP API with a deadline: an answer, its status and how long it took. */
export interface Answer {
  /** HTTP status, or null when no answer came within the deadline (or the connection failed). */
  status: number | null;
  ms: number;
  error?: string;
  body?: string;
}

export async function timedFetch(
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, body: body.slice(0, 300) };
  } catch (error) {
    return {
      status: null,
      ms: performance.now() - started,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/** A tRPC query over HTTP (GET, JSON input) as the bearer of `token`. */
export function trpcQuery(
  baseUrl: string,
  token: string,
  path: string,
  input: unknown,
  timeoutMs: number,
): Promise<Answer> {
  return timedFetch(
    `${baseUrl}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    { headers: { authorization: `Bearer ${token}` }, timeoutMs },
  );
}

/** A tRPC mutation over HTTP (POST, JSON body) as the bearer of `token`. */
export function trpcMutation(
  baseUrl: string,
  token: string,
  path: string,
  input: unknown,
  timeoutMs: number,
): Promise<Answer> {
  return timedFetch(`${baseUrl}/api/trpc/${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      origin: baseUrl,
    },
    body: JSON.stringify(input),
    timeoutMs,
  });
}
