/**
 * Command lines for the shell tool, which runs them WITHOUT a shell: the line
 * is split into argv here and executed directly. Shell syntax that would chain,
 * redirect, substitute or background is refused outright (even inside quotes,
 * so that a line means the same to the operator's pattern, to the model and to
 * us), rather than silently passed on as literal arguments.
 */

export class CommandLineError extends Error {}

const FORBIDDEN: readonly [string, string][] = [
  ['&&', 'chaining with &&'],
  ['||', 'chaining with ||'],
  [';', 'chaining with ;'],
  ['|', 'pipes'],
  ['>', 'redirection'],
  ['<', 'redirection'],
  ['`', 'command substitution'],
  ['$(', 'command substitution'],
  ['\n', 'multiple lines'],
  ['\r', 'multiple lines'],
  ['\0', 'NUL characters'],
];

/** The first forbidden piece of shell syntax in `line`, described, or undefined. */
export function findForbiddenSyntax(line: string): string | undefined {
  for (const [token, what] of FORBIDDEN) {
    if (line.includes(token)) return `${what} (${JSON.stringify(token)})`;
  }
  return undefined;
}

/**
 * Split a command line into argv, POSIX-style but without any expansion:
 * whitespace separates words; '…' is literal; "…" is literal except for
 * \" \\ and \$; outside quotes a backslash escapes the next character.
 * An unquoted `&` (backgrounding) is refused.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError('unterminated single quote');
      word += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const next = line[j + 1];
        if (line[j] === '\\' && (next === '"' || next === '\\' || next === '$')) {
          word += next;
          j++;
        } else word += line[j];
      }
      if (j >= line.length) throw new CommandLineError('unterminated double quote');
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError('trailing backslash');
      word += line[++i];
    } else if (c === '&') {
      throw new CommandLineError(
        'backgrounding with & is not available: commands run in the foreground, without a shell',
      );
    } else word += c;
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new CommandLineError('empty command');
  return words;
}
