/**
 * The argv of an ExecuteCommand `command`. ECS Exec runs the command itself, not through a shell
 * (a pipe needs `sh -c "a | b"`), splitting it into words as a shell would: on blanks, with
 * single quotes, double quotes and backslash escapes. Small enough that a dependency is not worth it.
 * Undefined when a quote is left open.
 */
export function commandWords(command: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === "\\" && i + 1 < command.length && (!quote || '"\\$`'.includes(command[i + 1]!))) {
      word = (word ?? "") + command[++i];
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}
