import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type EffectivePolicy, type GateRequest, rulesForAgent } from './evaluate';
import { DEFAULT_APPROVAL_SETTINGS, type PolicyRule } from './rules';

const request = (
  over: Partial<GateRequest> & { args?: GateRequest['args'] } = {},
): GateRequest => ({
  subject: 'tool',
  tool: 'fs.write',
  args: { path: 'notes/a.md', content: 'x' },
  agent: { key: 'writer', ancestors: ['lead'], depth: 1, turn: 1 },
  run: { costMicroUsd: 0, allowedRules: [] },
  ...over,
});

const policy = (rules: PolicyRule[], team: PolicyRule[] = []): EffectivePolicy => ({
  version: 'm1.t0',
  layers: [
    { source: 'manifest', rules },
    { source: 'team', rules: team },
  ],
  approvals: DEFAULT_APPROVAL_SETTINGS,
});

describe('evaluatePolicy', () => {
  it('denies a tool call no rule matches, and says so', () => {
    const decision = evaluatePolicy(policy([]), request());
    expect(decision).toMatchObject({ effect: 'deny', ruleId: null, source: 'default' });
    expect(decision.reason).toMatch(/undeclared means denied/);
  });

  it('lets the first matching rule decide, manifest before team defaults', () => {
    const rules: PolicyRule[] = [
      { id: 'no-secrets', effect: 'deny', tool: 'fs.*', paths: ['secrets/**'] },
      { id: 'notes', effect: 'allow', tool: 'fs.write', paths: ['notes/**'] },
    ];
    const team: PolicyRule[] = [{ id: 'ask-writes', effect: 'ask', tool: 'fs.write' }];
    const p = policy(rules, team);
    expect(evaluatePolicy(p, request()).ruleId).toBe('notes');
    expect(
      evaluatePolicy(p, request({ args: { path: 'secrets/key', content: '' } })),
    ).toMatchObject({ effect: 'deny', ruleId: 'no-secrets', source: 'manifest' });
    expect(evaluatePolicy(p, request({ args: { path: 'report.md', content: '' } }))).toMatchObject({
      effect: 'ask',
      ruleId: 'ask-writes',
      source: 'team',
      approval: DEFAULT_APPROVAL_SETTINGS,
    });
  });

  it('applies a rule naming an agent to its subagents as well', () => {
    const p = policy([
      { id: 'lead-no-shell', effect: 'deny', tool: 'shell', agents: ['lead'] },
      { id: 'shell', effect: 'allow', tool: 'shell' },
    ]);
    const shell = { tool: 'shell', args: { command: 'rm -rf /' } };
    expect(evaluatePolicy(p, request(shell)).ruleId).toBe('lead-no-shell');
    const grandchild = request({
      ...shell,
      agent: { key: 'checker', ancestors: ['researcher', 'lead'], depth: 2, turn: 1 },
    });
    expect(evaluatePolicy(p, grandchild).effect).toBe('deny');
    const otherTree = request({
      ...shell,
      agent: { key: 'solo', ancestors: [], depth: 0, turn: 1 },
    });
    expect(evaluatePolicy(p, otherTree).ruleId).toBe('shell');
  });

  it('matches commands, hosts, methods and MCP tool names', () => {
    const p = policy([
      { id: 'git-read', effect: 'allow', tool: 'shell', commands: ['git log *', 'git status'] },
      {
        id: 'gh-get',
        effect: 'allow',
        tool: 'http.fetch',
        hosts: ['*.github.com'],
        methods: ['GET'],
      },
      { id: 'mcp-issues', effect: 'ask', tool: 'mcp.github.create_*' },
    ]);
    expect(
      evaluatePolicy(p, request({ tool: 'shell', args: { command: 'git log -5' } })).effect,
    ).toBe('allow');
    expect(
      evaluatePolicy(p, request({ tool: 'shell', args: { command: 'git push' } })).effect,
    ).toBe('deny');
    const fetch = (url: string, method = 'GET') =>
      request({ tool: 'http.fetch', args: { url, method } });
    expect(evaluatePolicy(p, fetch('https://api.github.com/repos')).effect).toBe('allow');
    expect(evaluatePolicy(p, fetch('https://api.github.com/repos', 'POST')).effect).toBe('deny');
    expect(evaluatePolicy(p, fetch('https://github.com.evil.io/')).effect).toBe('deny');
    expect(evaluatePolicy(p, fetch('not a url')).effect).toBe('deny');
    expect(evaluatePolicy(p, request({ tool: 'mcp.github.create_issue', args: {} })).effect).toBe(
      'ask',
    );
  });

  it('matches the run state: turn, depth and spend', () => {
    const p = policy([
      { id: 'late', effect: 'ask', tool: '*', when: { minTurn: 5 } },
      { id: 'costly', effect: 'deny', tool: '*', when: { minRunCostUsd: 2 } },
      { id: 'rest', effect: 'allow', tool: '*' },
    ]);
    expect(evaluatePolicy(p, request()).ruleId).toBe('rest');
    expect(
      evaluatePolicy(p, request({ agent: { key: 'w', ancestors: [], depth: 0, turn: 6 } })).ruleId,
    ).toBe('late');
    expect(
      evaluatePolicy(p, request({ run: { costMicroUsd: 2_000_000, allowedRules: [] } })).ruleId,
    ).toBe('costly');
  });

  it('turns an ask into allow when an approver allowed the rule for the run', () => {
    const p = policy([{ id: 'writes', effect: 'ask', tool: 'fs.write' }]);
    expect(
      evaluatePolicy(p, request({ run: { costMicroUsd: 0, allowedRules: ['writes'] } })),
    ).toMatchObject({ effect: 'allow', ruleId: 'writes', source: 'run' });
  });

  it('lets model calls through on scope unless a rule says otherwise', () => {
    const model = (name: string) =>
      request({ subject: 'model', tool: 'model', args: { model: name } });
    expect(evaluatePolicy(policy([]), model('openai/gpt-4o'))).toMatchObject({
      effect: 'allow',
      source: 'scope',
    });
    const p = policy([
      { id: 'no-opus', effect: 'deny', tool: 'model', models: ['anthropic/*opus*'] },
    ]);
    expect(evaluatePolicy(p, model('anthropic/claude-opus-4'))).toMatchObject({
      effect: 'deny',
      ruleId: 'no-opus',
    });
  });

  it('lists an agent’s effective rules, inherited ones named', () => {
    const p = policy(
      [
        { id: 'lead-deny', effect: 'deny', tool: 'shell', agents: ['lead'] },
        { id: 'other', effect: 'allow', tool: 'shell', agents: ['solo'] },
      ],
      [{ id: 'all', effect: 'allow', tool: 'fs.read' }],
    );
    const rules = rulesForAgent(p, { key: 'writer', ancestors: ['lead'] });
    expect(rules.map((r) => [r.id, r.source, r.inheritedFrom])).toEqual([
      ['lead-deny', 'manifest', 'lead'],
      ['all', 'team', null],
    ]);
  });
});

/**
 * A deliberately naive reference: regexes for patterns, every rule checked,
 * the lowest index that matched wins. The real evaluator must agree with it.
 */
function referenceDecide(
  rules: PolicyRule[],
  req: GateRequest,
): { effect: string; ruleId: string | null } {
  const toRegex = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
  const matched = rules.filter((rule) => {
    const checks: boolean[] = [toRegex(rule.tool).test(req.tool)];
    if (rule.agents)
      checks.push([req.agent.key, ...req.agent.ancestors].some((k) => rule.agents!.includes(k)));
    if (rule.commands)
      checks.push(
        typeof req.args.command === 'string' &&
          rule.commands.some((c) => toRegex(c).test((req.args.command as string).trim())),
      );
    if (rule.when?.minTurn !== undefined) checks.push(req.agent.turn >= rule.when.minTurn);
    if (rule.when?.maxDepth !== undefined) checks.push(req.agent.depth <= rule.when.maxDepth);
    return checks.every(Boolean);
  });
  const first = matched[0];
  if (!first) return { effect: 'deny', ruleId: null };
  if (first.effect === 'ask' && req.run.allowedRules.includes(first.id))
    return { effect: 'allow', ruleId: first.id };
  return { effect: first.effect, ruleId: first.id };
}

describe('evaluatePolicy against a reference evaluator', () => {
  const tools = ['shell', 'fs.read', 'fs.write', 'mcp.gh.create', 'http.fetch'];
  const toolPattern = fc.constantFrom(
    '*',
    'shell',
    'fs.*',
    'fs.read',
    'mcp.*',
    'mcp.gh.c*',
    'http.fetch',
    '*e*',
  );
  const word = fc.constantFrom('git', 'ls', 'rm', 'npm', '*', 'git *', '* -rf *', 'npm test');
  const agentKey = fc.constantFrom('lead', 'writer', 'checker', 'solo');
  const rule = (i: number) =>
    fc.record(
      {
        id: fc.constant(`r${i}`),
        effect: fc.constantFrom('allow', 'deny', 'ask'),
        tool: toolPattern,
        agents: fc.array(agentKey, { minLength: 1, maxLength: 2 }),
        commands: fc.array(word, { minLength: 1, maxLength: 3 }),
        when: fc.record(
          { minTurn: fc.integer({ min: 1, max: 4 }), maxDepth: fc.integer({ min: 0, max: 2 }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['id', 'effect', 'tool'] },
    ) as fc.Arbitrary<PolicyRule>;
  const rules = fc
    .integer({ min: 0, max: 8 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rule(i))));
  const req = fc.record({
    tool: fc.constantFrom(...tools),
    command: fc.constantFrom('git status', 'git log -1', 'rm -rf /', 'npm test', '  ls  ', 'x'),
    key: agentKey,
    ancestors: fc.array(agentKey, { maxLength: 2 }),
    depth: fc.integer({ min: 0, max: 3 }),
    turn: fc.integer({ min: 1, max: 6 }),
    allowed: fc.array(fc.constantFrom('r0', 'r1', 'r2', 'r3'), { maxLength: 2 }),
  });

  it('agrees on the effect and the deciding rule for any rules and call', () => {
    fc.assert(
      fc.property(rules, req, (generated, r) => {
        const request: GateRequest = {
          subject: 'tool',
          tool: r.tool,
          args: { command: r.command },
          agent: { key: r.key, ancestors: r.ancestors, depth: r.depth, turn: r.turn },
          run: { costMicroUsd: 0, allowedRules: r.allowed },
        };
        const actual = evaluatePolicy(policy(generated), request);
        const expected = referenceDecide(generated, request);
        expect({ effect: actual.effect, ruleId: actual.ruleId }).toEqual(expected);
      }),
      { numRuns: 2000, seed: 20261122 },
    );
  });
});
