import type { ToolGrant } from '@flightdeck/domain';
import type { ModelToolSpec } from '../providers/types';

/** What a grant allows, in words a model can follow (the tool still enforces it). */
export function describeScope(grant: ToolGrant): string {
  if ('commands' in grant)
    return `Allowed command patterns (* matches anything): ${grant.commands.join(' | ')}.`;
  if ('hosts' in grant)
    return `Allowed hosts: ${grant.hosts.join(', ')}; methods: ${grant.methods.join(', ')}.`;
  if ('paths' in grant && !(grant.paths.length === 1 && grant.paths[0] === '**'))
    return `Allowed paths: ${grant.paths.join(', ')}.`;
  return '';
}

/** The model's view of a tool under this agent's grant: the scope in the description, commands as examples. */
export function scopedSpec(spec: ModelToolSpec, grant: ToolGrant): ModelToolSpec {
  const scope = describeScope(grant);
  const description = scope ? `${spec.description} ${scope}` : spec.description;
  if (!('commands' in grant)) return { ...spec, description };
  const properties = (spec.parameters.properties ?? {}) as Record<string, Record<string, unknown>>;
  return {
    ...spec,
    description,
    parameters: {
      ...spec.parameters,
      properties: { ...properties, command: { ...properties.command, examples: grant.commands } },
    },
  };
}
