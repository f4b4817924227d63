/**
 * `=~` and `!~` take a pattern in Java regular-expression syntax (ECS's documentation points at
 * java.util.regex.Pattern), matched against the whole value: `t3.*` matches t3.micro and t3a.large,
 * not xt3. The common subset of Java and JavaScript syntax compiles as is.
 *
 * A pattern runs against every instance's value inside the server, so patterns that can
 * backtrack exponentially — a quantified group that itself contains a quantifier, `(a+)+` — are
 * refused rather than risk stalling placement. That is stricter than ECS; see the report.
 */
export function compilePattern(source: string): RegExp | { expected: string } {
  if (hasNestedQuantifier(source)) return { expected: "a pattern without a quantified group that itself repeats, such as (a+)+" };
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return { expected: "a valid regular expression" };
  }
}

function hasNestedQuantifier(p: string): boolean {
  const groups: boolean[] = []; // per open group: does it contain a repeat?
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") groups.push(false);
    else if (c === ")") {
      const repeats = groups.pop() ?? false;
      const next = p[i + 1];
      const quantified = next === "*" || next === "+" || next === "{";
      if (repeats && quantified) return true;
      if (groups.length && (repeats || quantified)) groups[groups.length - 1] = true;
    } else if ((c === "*" || c === "+" || c === "{") && groups.length) groups[groups.length - 1] = true;
  }
  return false;
}
