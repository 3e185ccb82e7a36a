import { describe, expect, it } from 'vitest';
import { createToolNameMap } from './tool-names';

const WIRE = /^[a-zA-Z0-9_-]{1,64}$/;

describe('tool names on the wire', () => {
  it('keeps valid names and spells dotted ones with underscores', () => {
    const names = createToolNameMap(['fs.read', 'fs.write', 'delegate', 'shell-run']);
    expect(['fs.read', 'fs.write', 'delegate', 'shell-run'].map(names.toWire)).toEqual([
      'fs_read',
      'fs_write',
      'delegate',
      'shell-run',
    ]);
    expect(names.fromWire('fs_read')).toBe('fs.read');
  });

  it('never lets two names collide, and a real `fs_read` keeps its own name', () => {
    const all = [
      'fs.read',
      'fs_read',
      'fs:read',
      'fs_read_2',
      'mcp:github/search',
      'mcp:github.search',
    ];
    for (const order of [all, [...all].reverse()]) {
      const names = createToolNameMap(order);
      const wire = all.map(names.toWire);
      expect(new Set(wire).size).toBe(all.length);
      expect(wire.every((w) => WIRE.test(w))).toBe(true);
      expect(wire.map(names.fromWire)).toEqual(all);
      expect(names.toWire('fs_read')).toBe('fs_read');
      expect(names.toWire('fs_read_2')).toBe('fs_read_2');
    }
    // The same set gives the same spelling whatever its order.
    expect(all.map(createToolNameMap(all).toWire)).toEqual(
      all.map(createToolNameMap([...all].reverse()).toWire),
    );
  });

  it('shortens long names to 64 characters, still distinct', () => {
    const long = `mcp:${'x'.repeat(80)}`;
    const names = createToolNameMap([`${long}.a`, `${long}.b`]);
    const [a, b] = [names.toWire(`${long}.a`), names.toWire(`${long}.b`)];
    expect(a).toMatch(WIRE);
    expect(b).toMatch(WIRE);
    expect(a).not.toBe(b);
    expect(names.fromWire(b)).toBe(`${long}.b`);
  });

  it('hands an unknown wire name back unchanged, for the executor to refuse', () => {
    expect(createToolNameMap(['fs.read']).fromWire('rm_rf')).toBe('rm_rf');
  });
});
