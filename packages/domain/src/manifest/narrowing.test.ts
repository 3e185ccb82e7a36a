import { describe, expect, it } from 'vitest';
import { matchesPathGlob, matchesPattern, ToolGrant } from './grants';
import { explainWidening, type ScopedAgent } from './narrowing';

const grant = (value: unknown) => ToolGrant.parse(value);
const model = { provider: 'simulated', name: 'gpt-4o' } as const;
const mini = { provider: 'simulated', name: 'gpt-4o-mini' } as const;

function agent(tools: unknown[], overrides: Partial<ScopedAgent> = {}): ScopedAgent {
  return {
    model,
    models: [],
    tools: tools.map(grant),
    limits: { maxTurns: 10, maxOutputTokens: 1000 },
    ...overrides,
  };
}

describe('grants', () => {
  it('expand bare names to default scopes and speak of the tool in errors', () => {
    expect(grant('fs.read')).toEqual({ name: 'fs.read', paths: ['**'] });
    expect(ToolGrant.safeParse('shell').error?.issues[0]?.message).toContain(
      'at least one allowed command',
    );
    expect(
      ToolGrant.safeParse({ name: 'http.fetch', hosts: [] }).error?.issues[0]?.message,
    ).toContain('at least one allowed host');
    expect(ToolGrant.safeParse('rm.rf').error?.issues[0]?.message).toContain(
      'unknown tool "rm.rf"',
    );
    expect(ToolGrant.safeParse(7).error?.issues[0]?.message).toContain('expected a tool name');
  });

  it('match command and host patterns', () => {
    expect(matchesPattern('git log *', 'git log --oneline')).toBe(true);
    expect(matchesPattern('git log *', 'git push')).toBe(false);
    expect(matchesPattern('*.example.com', 'api.example.com')).toBe(true);
    expect(matchesPattern('*.example.com', 'example.com.evil.io')).toBe(false);
    expect(matchesPattern('ls', 'ls; rm -rf /')).toBe(false);
  });

  it.each([
    ['**', 'a/b/c.md', true],
    ['**', '.', true],
    ['notes/**', 'notes', true],
    ['notes/**', 'notes/a/b.md', true],
    ['notes/**', 'notesX/a.md', false],
    ['notes/*.md', 'notes/a.md', true],
    ['notes/*.md', 'notes/x/a.md', false],
    ['**/*.md', 'a.md', true],
    ['**/*.md', 'x/y/a.md', true],
    ['src/?.ts', 'src/a.ts', true],
  ])('path glob %s matches %s: %s', (glob, path, expected) => {
    expect(matchesPathGlob(glob, path)).toBe(expected);
  });
});

describe('explainWidening', () => {
  it('accepts a child within its parent', () => {
    const parent = agent(
      [
        'fs.read',
        { name: 'fs.write', paths: ['notes/**'] },
        { name: 'shell', commands: ['git *'] },
      ],
      { models: [mini] },
    );
    const child = agent(
      [
        { name: 'fs.write', paths: ['notes/drafts/**'] },
        { name: 'shell', commands: ['git status'] },
      ],
      {
        model: mini,
        limits: { maxTurns: 5, maxOutputTokens: 500 },
      },
    );
    expect(explainWidening(parent, child)).toEqual([]);
  });

  it('explains every way a child exceeds its parent', () => {
    const parent = agent([
      { name: 'fs.write', paths: ['notes/**'] },
      { name: 'shell', commands: ['git status'] },
      { name: 'http.fetch', hosts: ['api.example.com'] },
      { name: 'mcp.files', tools: ['read'] },
    ]);
    const child = agent(
      [
        'fs.read',
        { name: 'fs.write', paths: ['**'] },
        { name: 'shell', commands: ['git *'], timeoutMs: 999_999 },
        {
          name: 'http.fetch',
          hosts: ['*.example.com'],
          allowPrivate: true,
          methods: ['GET', 'POST'],
        },
        { name: 'mcp.files' },
      ],
      { model: mini, limits: { maxTurns: 11, maxOutputTokens: 1000 } },
    );
    const reasons = explainWidening(parent, child);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'tool "fs.read" is not granted to the parent',
        expect.stringContaining('fs.write path "**" is outside'),
        'shell command "git *" is not allowed to the parent',
        expect.stringContaining('shell timeoutMs'),
        'http.fetch host "*.example.com" is not allowed to the parent',
        'http.fetch methods POST are not allowed to the parent',
        expect.stringContaining('allowPrivate'),
        expect.stringContaining('mcp.files grants every tool'),
        expect.stringContaining('model simulated/gpt-4o-mini is not among'),
        "limits.maxTurns 11 exceeds the parent's 10",
      ]),
    );
    expect(reasons).toHaveLength(10);
  });

  it('does not let "notes/*" cover "notes/**"', () => {
    const parent = agent([{ name: 'fs.read', paths: ['notes/*'] }]);
    expect(explainWidening(parent, agent([{ name: 'fs.read', paths: ['notes/**'] }]))).toHaveLength(
      1,
    );
    expect(explainWidening(parent, agent([{ name: 'fs.read', paths: ['notes/*.md'] }]))).toEqual(
      [],
    );
  });
});
