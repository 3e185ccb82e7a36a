/**
 * Domain errors carry a code; the API maps codes to transport errors in one place.
 * Messages are safe to show to a person: no stacks, paths or secrets.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INVALID_MANIFEST'
  | 'CONFLICT'
  | 'RUN_NOT_ACTIVE'
  /** The state a decision was made on has changed (an append's fence did not hold): reload and decide again. */
  | 'STALE_STATE'
  | 'FORBIDDEN'
  | 'UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
