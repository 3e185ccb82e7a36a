import { Role } from '@flightdeck/domain';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '@flightdeck/engine';
import { z } from 'zod';

/** Inputs of the accounts procedures: strict, capped. */
export const Email = z.string().trim().toLowerCase().max(254).pipe(z.email('an email address'));
export const PersonName = z.string().trim().min(1, 'your name').max(100);
export const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
/** Secrets from links (setup, invitations): the prefix and 43 base64url characters. */
export const LinkToken = z
  .string()
  .max(100)
  .regex(/^fd[si]_[A-Za-z0-9_-]{43}$/, 'a link token');
export const Roles = z.array(Role).min(1, 'at least one role').max(4);
export const TeamScope = z.union([z.literal('all'), z.array(z.uuid()).max(200)]);
export const UserId = z.string().min(1).max(64);
