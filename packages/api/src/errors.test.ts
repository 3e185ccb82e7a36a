import { DomainError } from '@flightdeck/domain';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  asDomainError,
  DATABASE_UNAVAILABLE_MESSAGE,
  errorData,
  safeMessage,
  toTRPCError,
} from './errors';

describe('the error formatter', () => {
  it.each([
    ['NOT_FOUND', 'NOT_FOUND'],
    ['INVALID_INPUT', 'BAD_REQUEST'],
    ['INVALID_MANIFEST', 'BAD_REQUEST'],
    ['CONFLICT', 'CONFLICT'],
    ['RUN_NOT_ACTIVE', 'CONFLICT'],
    ['FORBIDDEN', 'FORBIDDEN'],
    ['UNAVAILABLE', 'SERVICE_UNAVAILABLE'],
  ] as const)('maps %s to %s', (domainCode, trpcCode) => {
    const error = toTRPCError(new DomainError(domainCode, 'nope'));
    expect(error.code).toBe(trpcCode);
    expect(errorData(error).domainCode).toBe(domainCode);
    expect(safeMessage(error)).toBe('nope');
  });

  it('recognises a domain error from another copy of the domain package', () => {
    const foreign = Object.assign(new Error('gone'), { name: 'DomainError', code: 'NOT_FOUND' });
    expect(asDomainError(foreign)?.code).toBe('NOT_FOUND');
    expect(toTRPCError(foreign).code).toBe('NOT_FOUND');
  });

  it('carries manifest issues with their paths', () => {
    const error = toTRPCError(
      new DomainError('INVALID_MANIFEST', 'The manifest is invalid.', [
        { path: 'agents.lead.model', message: 'bad model' },
      ]),
    );
    expect(errorData(error).issues).toEqual([{ path: 'agents.lead.model', message: 'bad model' }]);
  });

  it('hides the text of unexpected errors (paths, hosts, SQL)', () => {
    const error = toTRPCError(new Error('connect ECONNREFUSED /var/run/postgresql/.s.PGSQL.5432'));
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(safeMessage(error)).toBe('Internal error');
    expect(errorData(error)).toEqual({ domainCode: null, issues: [] });
  });

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a session ended by a shutdown',
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
    ],
    [
      'Prisma unable to reach the server',
      Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' }),
    ],
    [
      'a wrapped cut connection',
      new Error('query failed', { cause: new Error('Connection terminated unexpectedly') }),
    ],
  ])(
    'answers the database being unavailable (%s) with SERVICE_UNAVAILABLE, saying nothing of it',
    (_label, cause) => {
      const error = toTRPCError(cause);
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(safeMessage(error)).toBe(DATABASE_UNAVAILABLE_MESSAGE);
      expect(safeMessage(error)).not.toContain('5432');
    },
  );

  it('turns input validation issues into paths', () => {
    const parsed = z
      .object({ goal: z.string().min(1) })
      .strict()
      .safeParse({ goal: '', extra: 1 });
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error });
    expect(safeMessage(error)).toBe('Invalid input');
    expect(errorData(error).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['goal', '']),
    );
  });
});
