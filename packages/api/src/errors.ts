import { isDatabaseUnavailableError } from '@flightdeck/db';
import { type DomainErrorCode, type ManifestIssue, redactSecrets } from '@flightdeck/domain';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/**
 * The one place domain errors become transport errors. Nothing else in the API
 * decides a tRPC code from a domain failure.
 */
const CODE_MAP: Record<DomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: 'NOT_FOUND',
  INVALID_INPUT: 'BAD_REQUEST',
  INVALID_MANIFEST: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  RUN_NOT_ACTIVE: 'CONFLICT',
  STALE_STATE: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

interface DomainErrorLike {
  name: 'DomainError';
  code: DomainErrorCode;
  message: string;
  details?: unknown;
}

/**
 * Duck-typed on purpose: the web server and Next's bundle may each hold their
 * own copy of the domain package, so `instanceof DomainError` can lie.
 */
export function asDomainError(error: unknown): DomainErrorLike | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as Partial<DomainErrorLike>;
  if (e.name !== 'DomainError' || typeof e.code !== 'string' || !(e.code in CODE_MAP)) return null;
  return e as DomainErrorLike;
}

/** What a caller is told while the database is down: nothing of the failure itself (hosts, ports). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable right now; nothing was changed. Try again shortly.';

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  const domain = asDomainError(error);
  if (domain)
    return new TRPCError({ code: CODE_MAP[domain.code], message: domain.message, cause: domain });
  // The database down (stopped, restarting, unreachable) is temporary, not a fault of the request.
  if (isDatabaseUnavailableError(error))
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: DATABASE_UNAVAILABLE_MESSAGE,
      cause: error,
    });
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error', cause: error });
}

/** An issue the client can show next to the field or manifest line it names. */
export interface ErrorIssue {
  path: string;
  message: string;
}

export interface FlightdeckErrorData {
  /** The domain error code, when a domain rule failed. */
  domainCode: DomainErrorCode | null;
  /** Input or manifest issues with their paths. */
  issues: ErrorIssue[];
}

function manifestIssues(details: unknown): ErrorIssue[] {
  if (!Array.isArray(details)) return [];
  return (details as unknown[]).flatMap((d) => {
    if (typeof d !== 'object' || d === null) return [];
    const { path, message } = d as Partial<ManifestIssue>;
    return typeof message === 'string'
      ? [{ path: typeof path === 'string' ? path : '', message }]
      : [];
  });
}

interface SchemaIssue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

/** Input validation failures: a zod (or any Standard Schema) error with `issues`. */
function schemaIssues(error: TRPCError): SchemaIssue[] | null {
  if (error.code !== 'BAD_REQUEST') return null;
  const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as SchemaIssue[]) : null;
}

function pathOf(issue: SchemaIssue): string {
  return (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
}

export function errorData(error: TRPCError): FlightdeckErrorData {
  const cause = error.cause;
  const input = schemaIssues(error);
  if (input) {
    return {
      domainCode: null,
      issues: input.slice(0, 50).map((i) => ({ path: pathOf(i), message: String(i.message) })),
    };
  }
  const domain = asDomainError(cause);
  if (domain) {
    return {
      domainCode: domain.code,
      issues:
        domain.code === 'INVALID_MANIFEST' || domain.code === 'INVALID_INPUT'
          ? manifestIssues(domain.details)
          : [],
    };
  }
  return { domainCode: null, issues: [] };
}

/** Messages browsers may see: unexpected errors never carry their text (paths, SQL, hosts). */
export function safeMessage(error: TRPCError): string {
  if (error.code === 'INTERNAL_SERVER_ERROR') return 'Internal error';
  if (schemaIssues(error)) return 'Invalid input';
  return redactSecrets(error.message);
}
