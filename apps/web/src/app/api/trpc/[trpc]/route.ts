import { getRuntime } from '../../../../server-runtime';

/** Batches of small JSON inputs; a manifest (≤ 256 KiB of source) is the largest. */
const MAX_BODY_BYTES = 1024 * 1024;
/** An imported run (JSON Lines of its events and workspace history) may be far larger: that procedure only. */
const MAX_IMPORT_BODY_BYTES = 80 * 1024 * 1024;

function handler(request: Request): Promise<Response> | Response {
  const runtime = getRuntime();
  if (!runtime) {
    return Response.json(
      {
        error:
          'The API runs inside the Flightdeck web server: start it with `npm run dev --workspace @flightdeck/web`.',
      },
      { status: 503 },
    );
  }
  const length = Number(request.headers.get('content-length') ?? '0');
  const isImport = new URL(request.url).pathname === '/api/trpc/runs.import';
  if (Number.isFinite(length) && length > (isImport ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES)) {
    return Response.json({ error: 'Request body too large' }, { status: 413 });
  }
  return runtime.handleTrpc(request);
}

export { handler as GET, handler as POST };
