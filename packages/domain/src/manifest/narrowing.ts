import type { ModelRef } from '../events/schema';
import { matchesPathGlob, matchesPattern, type ToolGrant } from './grants';

/**
 * A subagent's scope may only narrow its parent's: the tools, paths, commands,
 * hosts, models and limits it is granted must all be within what the parent
 * has. `explainWidening` lists every way a child exceeds its parent (empty:
 * the child is within scope), in words an operator can act on.
 */
export interface ScopedAgent {
  model: ModelRef;
  models: ModelRef[];
  tools: ToolGrant[];
  limits: { maxTurns: number; maxOutputTokens: number };
}

const modelKey = (m: ModelRef) => `${m.provider}/${m.name}`;

/** A concrete value matched by `pattern`, used to test whether another pattern covers it. */
const witnessPath = (glob: string) =>
  glob.replace(/\*\*/g, '\u0001/\u0001').replace(/\*/g, '\u0002');
const witness = (pattern: string) => pattern.replace(/\*/g, '\u0002');

function uncovered(
  parent: readonly string[],
  child: readonly string[],
  covers: (p: string, c: string) => boolean,
): string[] {
  return child.filter((c) => !parent.some((p) => covers(p, c)));
}

function grantWidening(parent: ToolGrant, child: ToolGrant): string[] {
  const reasons: string[] = [];
  const tool = child.name;
  if ('paths' in child && 'paths' in parent) {
    for (const path of uncovered(parent.paths, child.paths, (p, c) =>
      matchesPathGlob(p, witnessPath(c)),
    )) {
      reasons.push(
        `${tool} path "${path}" is outside the parent's paths (${parent.paths.join(', ')})`,
      );
    }
  }
  if ('commands' in child && 'commands' in parent) {
    for (const command of uncovered(parent.commands, child.commands, (p, c) =>
      matchesPattern(p, witness(c)),
    )) {
      reasons.push(`shell command "${command}" is not allowed to the parent`);
    }
    if (child.timeoutMs > parent.timeoutMs)
      reasons.push(`shell timeoutMs ${child.timeoutMs} exceeds the parent's ${parent.timeoutMs}`);
    if (child.maxOutputBytes > parent.maxOutputBytes)
      reasons.push(
        `shell maxOutputBytes ${child.maxOutputBytes} exceeds the parent's ${parent.maxOutputBytes}`,
      );
  }
  if ('hosts' in child && 'hosts' in parent) {
    for (const host of uncovered(parent.hosts, child.hosts, (p, c) =>
      matchesPattern(p.toLowerCase(), witness(c.toLowerCase())),
    )) {
      reasons.push(`http.fetch host "${host}" is not allowed to the parent`);
    }
    const methods = child.methods.filter((m) => !parent.methods.includes(m));
    if (methods.length)
      reasons.push(`http.fetch methods ${methods.join(', ')} are not allowed to the parent`);
    if (child.allowPrivate && !parent.allowPrivate)
      reasons.push(
        'http.fetch allowPrivate is true but the parent may not reach private addresses',
      );
    if (child.maxBytes > parent.maxBytes)
      reasons.push(`http.fetch maxBytes ${child.maxBytes} exceeds the parent's ${parent.maxBytes}`);
    if (child.timeoutMs > parent.timeoutMs)
      reasons.push(
        `http.fetch timeoutMs ${child.timeoutMs} exceeds the parent's ${parent.timeoutMs}`,
      );
  }
  if (child.name.startsWith('mcp.') && 'tools' in parent && parent.tools) {
    const childTools = 'tools' in child ? child.tools : undefined;
    if (!childTools)
      reasons.push(
        `${tool} grants every tool of the server but the parent only ${parent.tools.join(', ')}`,
      );
    else
      for (const t of childTools.filter((t) => !parent.tools?.includes(t)))
        reasons.push(`${tool} tool "${t}" is not granted to the parent`);
  }
  return reasons;
}

export function explainWidening(parent: ScopedAgent, child: ScopedAgent): string[] {
  const reasons: string[] = [];
  for (const grant of child.tools) {
    const parentGrant = parent.tools.find((g) => g.name === grant.name);
    if (!parentGrant) reasons.push(`tool "${grant.name}" is not granted to the parent`);
    else reasons.push(...grantWidening(parentGrant, grant));
  }
  const allowed = new Set([parent.model, ...parent.models].map(modelKey));
  if (!allowed.has(modelKey(child.model))) {
    reasons.push(
      `model ${modelKey(child.model)} is not among the parent's models (${[...allowed].join(', ')})`,
    );
  }
  for (const model of child.models.filter((m) => !allowed.has(modelKey(m)))) {
    reasons.push(`model ${modelKey(model)} in models is not among the parent's models`);
  }
  if (child.limits.maxTurns > parent.limits.maxTurns)
    reasons.push(
      `limits.maxTurns ${child.limits.maxTurns} exceeds the parent's ${parent.limits.maxTurns}`,
    );
  if (child.limits.maxOutputTokens > parent.limits.maxOutputTokens) {
    reasons.push(
      `limits.maxOutputTokens ${child.limits.maxOutputTokens} exceeds the parent's ${parent.limits.maxOutputTokens}`,
    );
  }
  return reasons;
}

/** The grant of `tool` to an agent, if any: what is not granted does not exist. */
export function grantOf(
  agent: { tools: readonly ToolGrant[] },
  tool: string,
): ToolGrant | undefined {
  return agent.tools.find((g) => g.name === tool);
}
