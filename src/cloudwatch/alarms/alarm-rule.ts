import type { AlarmState } from "./evaluate-datapoints.js";

/**
 * A composite alarm's AlarmRule: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, combined with
 * NOT, AND, OR (in that order of precedence) and parentheses. x is an alarm name or ARN, bare or in
 * double quotes. A small recursive-descent parser: the grammar is CloudWatch's own, a dozen rules.
 */
export type AlarmRule =
  | { kind: "state"; state: AlarmState; alarm: string }
  | { kind: "constant"; value: boolean }
  | { kind: "not"; operand: AlarmRule }
  | { kind: "and" | "or"; left: AlarmRule; right: AlarmRule };

export class AlarmRuleError extends Error {}

type Token = { type: "word" | "quoted" | "(" | ")"; text: string; at: number };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "(" || c === ")") tokens.push({ type: c, text: c, at: i++ });
    else if (c === '"') {
      const end = rule.indexOf('"', i + 1);
      if (end < 0) throw new AlarmRuleError(`unterminated quoted alarm name at position ${i + 1}`);
      tokens.push({ type: "quoted", text: rule.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      const m = /^[^\s()"]+/.exec(rule.slice(i))!;
      tokens.push({ type: "word", text: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

const STATES: Record<string, AlarmState> = { ALARM: "ALARM", OK: "OK", INSUFFICIENT_DATA: "INSUFFICIENT_DATA" };

export function parseAlarmRule(rule: string): AlarmRule {
  const tokens = tokenize(rule);
  let pos = 0;
  const peek = () => tokens[pos];
  const where = () => (peek() ? `'${peek()!.text}' at position ${peek()!.at + 1}` : "the end of the rule");
  const expect = (type: Token["type"]) => {
    if (peek()?.type !== type) throw new AlarmRuleError(`expected '${type}' but found ${where()}`);
    return tokens[pos++]!;
  };
  const or = (): AlarmRule => {
    let left = and();
    while (peek()?.type === "word" && peek()!.text === "OR") (pos++, (left = { kind: "or", left, right: and() }));
    return left;
  };
  const and = (): AlarmRule => {
    let left = not();
    while (peek()?.type === "word" && peek()!.text === "AND") (pos++, (left = { kind: "and", left, right: not() }));
    return left;
  };
  const not = (): AlarmRule => {
    if (peek()?.type === "word" && peek()!.text === "NOT") return (pos++, { kind: "not", operand: not() });
    return primary();
  };
  const primary = (): AlarmRule => {
    const t = peek();
    if (t?.type === "(") {
      pos++;
      const inner = or();
      expect(")");
      return inner;
    }
    if (t?.type === "word" && /^(true|false)$/i.test(t.text)) return (pos++, { kind: "constant", value: t.text.toLowerCase() === "true" });
    if (t?.type === "word" && Object.hasOwn(STATES, t.text)) {
      pos++;
      expect("(");
      const name = peek();
      if (name?.type !== "word" && name?.type !== "quoted") throw new AlarmRuleError(`expected an alarm name but found ${where()}`);
      pos++;
      if (name.text === "") throw new AlarmRuleError(`empty alarm name at position ${name.at + 1}`);
      expect(")");
      return { kind: "state", state: STATES[t.text]!, alarm: name.text };
    }
    throw new AlarmRuleError(`unexpected ${where()}`);
  };
  const parsed = or();
  if (pos < tokens.length) throw new AlarmRuleError(`unexpected ${where()}`);
  return parsed;
}

/** The alarms a rule names, as written (names or ARNs), each once. */
export function ruleAlarms(rule: AlarmRule): string[] {
  const out = new Set<string>();
  const walk = (r: AlarmRule): void => {
    if (r.kind === "state") out.add(r.alarm);
    else if (r.kind === "not") walk(r.operand);
    else if (r.kind === "and" || r.kind === "or") (walk(r.left), walk(r.right));
  };
  walk(rule);
  return [...out];
}

/** Evaluates the rule with each named alarm's current state. */
export function evaluateRule(rule: AlarmRule, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (rule.kind) {
    case "constant":
      return rule.value;
    case "state":
      return stateOf(rule.alarm) === rule.state;
    case "not":
      return !evaluateRule(rule.operand, stateOf);
    case "and":
      return evaluateRule(rule.left, stateOf) && evaluateRule(rule.right, stateOf);
    case "or":
      return evaluateRule(rule.left, stateOf) || evaluateRule(rule.right, stateOf);
  }
}
