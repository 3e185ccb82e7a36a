import { describe, expect, it } from 'vitest';
import { formatManifestIssues, parseManifest } from './schema';

const valid = `
name: demo
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o
    tools: [delegate, fs.write]
    delegates: [worker]
    models: [openai/gpt-4o-mini]
  worker:
    role: Worker
    model: openai/gpt-4o-mini
`;

describe('parseManifest', () => {
  it('parses YAML with defaults filled in', () => {
    const result = parseManifest(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest.agents.lead?.model).toEqual({ provider: 'simulated', name: 'gpt-4o' });
    expect(result.manifest.agents.worker?.limits).toEqual({ maxTurns: 20, maxOutputTokens: 1024 });
    expect(result.manifest.limits.maxDepth).toBe(3);
    expect(result.manifest.simulation.latencyMs).toBe(300);
  });

  it('parses JSON too', () => {
    const result = parseManifest(
      JSON.stringify({
        name: 'j',
        lead: 'a',
        agents: { a: { role: 'A', model: 'anthropic/claude-haiku-4-5' } },
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('names the path and what was expected', () => {
    const result = parseManifest(
      valid.replace('model: simulated/gpt-4o', 'model: gpt-4o').replace('role: Worker', 'role: 7'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatManifestIssues(result.issues);
    expect(text).toContain('agents.lead.model: expected "provider/model"');
    expect(result.issues.map((i) => i.path)).toContain('agents.worker.role');
  });

  it('checks references between agents', () => {
    const result = parseManifest(
      valid
        .replace('lead: lead', 'lead: boss')
        .replace('delegates: [worker]', 'delegates: [ghost]'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'lead',
          message: expect.stringContaining('names no agent'),
        }),
        expect.objectContaining({
          path: 'agents.lead.delegates.0',
          message: 'names no agent: "ghost"',
        }),
      ]),
    );
  });

  it('requires the delegate tool for delegates, and refuses unknown keys and tools', () => {
    const noTool = parseManifest(valid.replace('tools: [delegate, fs.write]', 'tools: [fs.write]'));
    expect(!noTool.ok && noTool.issues[0]).toMatchObject({ path: 'agents.lead.tools' });
    const unknownKey = parseManifest(`${valid}\nallowance: 5\n`);
    expect(!unknownKey.ok && unknownKey.issues[0]?.message).toContain('allowance');
    const unknownTool = parseManifest(valid.replace('[delegate, fs.write]', '[delegate, rm.rf]'));
    expect(!unknownTool.ok && unknownTool.issues[0]).toMatchObject({
      path: expect.stringMatching(/^agents\.lead\.tools\.1/),
      message: expect.stringContaining('unknown tool "rm.rf"'),
    });
  });

  it('reports unreadable YAML with its line, and non-objects', () => {
    const broken = parseManifest('name: [unclosed\nlead: x');
    expect(!broken.ok && broken.issues[0]?.message).toMatch(/not valid YAML or JSON/);
    const scalar = parseManifest('42');
    expect(!scalar.ok && scalar.issues[0]?.path).toBe('');
    const huge = parseManifest(`name: x\ndescription: "${'a'.repeat(300 * 1024)}"`);
    expect(!huge.ok && huge.issues[0]?.message).toMatch(/larger than/);
  });
});
