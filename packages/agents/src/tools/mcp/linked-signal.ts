/**
 * A child AbortSignal that follows `parent`, for one request. The MCP SDK adds
 * an abort listener to the signal of every request and never removes it; a
 * run's long-lived signal would collect one per call. The child is dropped
 * after the request, and `dispose` unlinks it from the parent.
 */
export function linkedSignal(parent: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
