import { z } from 'zod';

/**
 * What an agent may use, tool by tool, with each tool's scope. A manifest lists
 * grants either as a bare name (`fs.read`, default scope) or as an object with
 * the scope (`{ name: shell, commands: ["git status", "npm test"] }`).
 * Anything not granted does not exist for the agent.
 */

const Glob = z.string().min(1).max(500);

export const FS_TOOLS = ['fs.read', 'fs.write', 'fs.list'] as const;

export const FsGrant = z
  .object({
    name: z.enum(FS_TOOLS),
    /** Workspace-relative globs the tool may touch (`**` = the whole workspace). */
    paths: z.array(Glob).min(1).max(64).default(['**']),
  })
  .strict();

export const ShellGrant = z
  .object({
    name: z.literal('shell'),
    /** Command-line patterns: `*` matches any run of characters, e.g. `git log *`. */
    commands: z
      .array(z.string().min(1).max(500), {
        error: 'shell needs `commands`: at least one allowed command pattern',
      })
      .min(1, 'shell needs at least one allowed command pattern')
      .max(128),
    timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(64 * 1024),
  })
  .strict();

export const HttpFetchGrant = z
  .object({
    name: z.literal('http.fetch'),
    /** Host patterns: `api.github.com`, `*.example.com`. Checked again after DNS and on every redirect. */
    hosts: z
      .array(z.string().min(1).max(253), {
        error: 'http.fetch needs `hosts`: at least one allowed host pattern',
      })
      .min(1, 'http.fetch needs at least one allowed host')
      .max(128),
    methods: z
      .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']))
      .min(1)
      .default(['GET']),
    /** Private, loopback and link-local addresses are refused unless this is true. */
    allowPrivate: z.boolean().default(false),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();

export const DelegateGrant = z.object({ name: z.literal('delegate') }).strict();

const McpToolName = z
  .string()
  .regex(/^mcp\.[a-z0-9][a-z0-9_-]{0,62}$/, 'mcp.<server>, naming a server of mcpServers');
export const McpGrant = z
  .object({
    name: McpToolName,
    /** Tools of that server the agent may call; all of them when absent. */
    tools: z.array(z.string().min(1).max(200)).max(256).optional(),
  })
  .strict();

export type ToolGrant =
  | z.infer<typeof FsGrant>
  | z.infer<typeof ShellGrant>
  | z.infer<typeof HttpFetchGrant>
  | z.infer<typeof DelegateGrant>
  | z.infer<typeof McpGrant>;

function grantSchemaFor(name: string): z.ZodType<ToolGrant> | undefined {
  if ((FS_TOOLS as readonly string[]).includes(name)) return FsGrant;
  if (name === 'shell') return ShellGrant;
  if (name === 'http.fetch') return HttpFetchGrant;
  if (name === 'delegate') return DelegateGrant;
  if (name.startsWith('mcp.')) return McpGrant;
  return undefined;
}

/** A grant: the tool's name picks its scope schema, so errors speak of that tool. */
export const ToolGrant = z.unknown().transform((value, ctx): ToolGrant => {
  const input = typeof value === 'string' ? { name: value } : value;
  const name =
    typeof input === 'object' && input !== null && 'name' in input ? input.name : undefined;
  const schema = typeof name === 'string' ? grantSchemaFor(name) : undefined;
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      message:
        typeof name === 'string'
          ? `unknown tool "${name}": expected fs.read, fs.write, fs.list, shell, http.fetch, delegate or mcp.<server>`
          : 'expected a tool name, or an object with a `name` and its scope',
    });
    return z.NEVER;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return parsed.data;
});
export type FsGrant = z.infer<typeof FsGrant>;
export type ShellGrant = z.infer<typeof ShellGrant>;
export type HttpFetchGrant = z.infer<typeof HttpFetchGrant>;
export type McpGrant = z.infer<typeof McpGrant>;

export const McpServer = z
  .object({
    command: z.string().min(1).max(500),
    args: z.array(z.string().max(2000)).max(64).default([]),
    /** Non-secret environment for the server; secrets come from server configuration. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string().max(2000)).default({}),
    /** The tools it provides that are safe to repeat after a crash. */
    idempotentTools: z.array(z.string()).default([]),
  })
  .strict();
export type McpServer = z.infer<typeof McpServer>;

/**
 * `*` in a pattern matches any run of characters; everything else is literal.
 * Greedy with one backtrack point: linear in practice and never exponential,
 * whatever pattern a manifest or a model supplies.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Path globs over workspace-relative paths: `**` any depth (`notes/**` also
 * matches `notes` itself), `*` within one segment, `?` one character.
 */
export function matchesPathGlob(glob: string, relativePath: string): boolean {
  const path = relativePath.replace(/^\.\/+/, '').replace(/\/+$/, '') || '.';
  if (path === '.') return glob === '**';
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const rest = glob.slice(i);
    if (rest.startsWith('**/')) {
      source += '(?:.*/)?';
      i += 2;
    } else if (rest === '/**') {
      source += '(?:/.*)?';
      i += 2;
    } else if (rest.startsWith('**')) {
      source += '.*';
      i += 1;
    } else if (rest[0] === '*') source += '[^/]*';
    else if (rest[0] === '?') source += '[^/]';
    else source += rest[0]!.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(path);
}
