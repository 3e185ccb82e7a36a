import { describe, expect, it } from 'vitest';
import { CommandLineError, findForbiddenSyntax, splitCommandLine } from './command-line';

describe('splitCommandLine', () => {
  it.each([
    ['git status', ['git', 'status']],
    ['  git   log  -n 3 ', ['git', 'log', '-n', '3']],
    [`echo 'a  b' "c d"`, ['echo', 'a  b', 'c d']],
    [`echo "say \\"hi\\"" 'it''s'`, ['echo', 'say "hi"', 'its']],
    [`echo a\\ b`, ['echo', 'a b']],
    [`echo "" ''`, ['echo', '', '']],
    [`echo "back\\slash \\$HOME"`, ['echo', 'back\\slash $HOME']],
    ['echo $HOME *.ts', ['echo', '$HOME', '*.ts']],
    [`sh -c "sleep 1 & sleep 2"`, ['sh', '-c', 'sleep 1 & sleep 2']],
  ])('splits %s without expanding anything', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it.each([
    [`echo 'open`, /unterminated single quote/],
    [`echo "open`, /unterminated double quote/],
    ['echo trailing\\', /trailing backslash/],
    ['sleep 100 &', /backgrounding/],
    ['   ', /empty command/],
  ])('refuses %s', (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(CommandLineError);
    expect(() => splitCommandLine(line)).toThrow(message);
  });
});

describe('findForbiddenSyntax', () => {
  it.each([
    ['echo a; rm -rf /', /chaining with ;/],
    ['true && rm x', /chaining with &&/],
    ['false || rm x', /chaining with \|\|/],
    ['cat x | sh', /pipes/],
    ['echo x > /etc/passwd', /redirection/],
    ['sh < script', /redirection/],
    ['echo `id`', /command substitution/],
    ['echo $(id)', /command substitution/],
    ['echo "$(id)"', /command substitution/],
    ["sh -c 'a; b'", /chaining with ;/],
    ['echo a\nrm x', /multiple lines/],
    ['echo a\rrm x', /multiple lines/],
    ['echo a\0b', /NUL/],
  ])('finds the forbidden syntax in %j, even inside quotes', (line, what) => {
    expect(findForbiddenSyntax(line)).toMatch(what);
  });

  it('accepts plain command lines', () => {
    expect(findForbiddenSyntax('git log --oneline -n 5 "some path"')).toBeUndefined();
  });
});
