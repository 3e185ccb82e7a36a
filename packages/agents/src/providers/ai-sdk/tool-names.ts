/**
 * Our tool names (`fs.read`, `mcp:github/search`) are not all names model APIs
 * accept: OpenAI and Anthropic both want `^[a-zA-Z0-9_-]{1,64}$`. A request
 * builds one two-way table for every name it mentions (offered tools and the
 * ones in its history): a valid name keeps itself, any other is spelled with
 * `_` for each invalid character (`fs.read` → `fs_read`) and, should that
 * spelling be taken, gets the first free `_2`, `_3` … suffix. So the mapping
 * is reversible and collision-free, and stable while the tool set is.
 */
export interface ToolNameMap {
  /** Our name → the name the model sees. */
  toWire: (name: string) => string;
  /** The name the model used → ours. An unknown name comes back unchanged (the executor refuses it). */
  fromWire: (wireName: string) => string;
}

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;

export function createToolNameMap(names: Iterable<string>): ToolNameMap {
  const unique = [...new Set(names)];
  const toWire = new Map<string, string>();
  const fromWire = new Map<string, string>();
  const assign = (name: string, wire: string) => {
    toWire.set(name, wire);
    fromWire.set(wire, name);
  };

  // Valid names first, so a real `fs_read` keeps its name whatever else is offered.
  for (const name of unique.filter((n) => VALID.test(n))) assign(name, name);
  for (const name of unique.filter((n) => !VALID.test(n)).sort()) {
    const base = (name.replace(/[^a-zA-Z0-9_-]/g, '_') || 'tool').slice(0, MAX_LENGTH);
    let wire = base;
    for (let n = 2; fromWire.has(wire); n++) {
      const suffix = `_${n}`;
      wire = `${base.slice(0, MAX_LENGTH - suffix.length)}${suffix}`;
    }
    assign(name, wire);
  }

  return {
    toWire: (name) => toWire.get(name) ?? name,
    fromWire: (wireName) => fromWire.get(wireName) ?? wireName,
  };
}
