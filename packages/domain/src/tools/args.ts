import { z } from 'zod';

/**
 * The argument schemas of the built-in tools, declared once: the worker parses
 * each call with them, and an approver's edited arguments are checked against
 * them before the decision is recorded.
 */

export const MAX_FILE_BYTES = 1024 * 1024;

const RelativePath = z.string().min(1).max(1024).describe('a path relative to the workspace root');

export const FsReadArgs = z.object({ path: RelativePath }).strict();
export const FsWriteArgs = z
  .object({ path: RelativePath, content: z.string().max(MAX_FILE_BYTES) })
  .strict();
export const FsListArgs = z.object({ path: RelativePath.default('.') }).strict();

export const ShellArgs = z
  .object({
    command: z
      .string()
      .min(1)
      .max(4000)
      .describe(
        'one command line, e.g. `git status`; it runs without a shell (no pipes, redirects, chaining, globs or variables) and must match a command pattern granted to this agent',
      ),
  })
  .strict();

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'not a valid header name');
const HeaderValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'header values cannot contain line breaks');

export const HttpFetchArgs = z
  .object({
    url: z
      .string()
      .min(1)
      .max(4096)
      .describe('an absolute http:// or https:// URL on a host granted to this agent'),
    method: z.enum(HTTP_METHODS).default('GET'),
    headers: z
      .record(HeaderName, HeaderValue)
      .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
      .default({})
      .describe('request headers; credentials (authorization, cookie, proxy-*) are dropped'),
    body: z
      .string()
      .max(1024 * 1024)
      .optional()
      .describe('request body, for POST, PUT, PATCH and DELETE'),
  })
  .strict();
export type HttpFetchArgs = z.infer<typeof HttpFetchArgs>;

const BUILT_IN_ARGS: Record<string, z.ZodType<Record<string, unknown>>> = {
  'fs.read': FsReadArgs,
  'fs.write': FsWriteArgs,
  'fs.list': FsListArgs,
  shell: ShellArgs,
  'http.fetch': HttpFetchArgs,
};

/** The schema of a built-in tool's arguments; undefined for MCP tools and delegate (checked by the worker). */
export function builtInToolArgs(tool: string): z.ZodType<Record<string, unknown>> | undefined {
  return BUILT_IN_ARGS[tool];
}
