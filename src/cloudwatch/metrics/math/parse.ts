/**
 * CloudWatch metric math expressions, parsed by hand: the grammar is CloudWatch's own (ids of
 * other queries, functions such as FILL(m, REPEAT), arrays as [m1, m2], comparisons for IF) and
 * no library implements it; a precedence-climbing parser is shorter than a grammar for a
 * generator. Precedence, loosest first: || (OR), && (AND), comparisons, + -, * /, ^, unary minus.
 */
export type Node =
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "name"; name: string }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "array"; items: Node[] }
  | { kind: "unary"; op: "-"; operand: Node }
  | { kind: "binary"; op: string; left: Node; right: Node };

export class ExpressionError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(<=|>=|==|!=|&&|\|\||[-+*/^()<>,[\]]))/y;

type Token = { type: "number" | "name" | "string" | "op"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new ExpressionError(`Syntax error at position ${at + 1}`);
    if (m[1] !== undefined) tokens.push({ type: "number", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ type: "name", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ type: "string", text: m[3].slice(1, -1).replace(/\\(.)/g, "$1") });
    else tokens.push({ type: "op", text: m[4]! });
  }
  return tokens;
}

const BINARY: Record<string, number> = { "||": 1, OR: 1, "&&": 2, AND: 2, "<": 3, ">": 3, "<=": 3, ">=": 3, "==": 3, "!=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "^": 6 };

export function parse(source: string): Node {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const expect = (text: string) => {
    if (tokens[i]?.text !== text) throw new ExpressionError(`Expected '${text}'${tokens[i] ? ` but found '${tokens[i]!.text}'` : " at the end"}`);
    i++;
  };
  const operatorAt = (t: Token | undefined) => (t && (t.type === "op" || t.text === "AND" || t.text === "OR") && BINARY[t.text] !== undefined ? t.text : undefined);

  function expression(minPrecedence = 1): Node {
    let left = unary();
    for (let op = operatorAt(peek()); op !== undefined && BINARY[op]! >= minPrecedence; op = operatorAt(peek())) {
      i++;
      // ^ is right-associative: 2^3^2 is 2^(3^2).
      const right = expression(op === "^" ? BINARY[op]! : BINARY[op]! + 1);
      left = { kind: "binary", op: op === "AND" ? "&&" : op === "OR" ? "||" : op, left, right };
    }
    return left;
  }

  function unary(): Node {
    if (peek()?.text === "-") {
      i++;
      return { kind: "unary", op: "-", operand: unary() };
    }
    if (peek()?.text === "+") i++;
    return primary();
  }

  function primary(): Node {
    const t = tokens[i++];
    if (!t) throw new ExpressionError("Unexpected end of expression");
    if (t.type === "number") return { kind: "number", value: Number(t.text) };
    if (t.type === "string") return { kind: "string", value: t.text };
    if (t.type === "name") {
      if (peek()?.text !== "(") return { kind: "name", name: t.text };
      i++;
      const args: Node[] = [];
      if (peek()?.text !== ")") {
        do args.push(expression()); while (peek()?.text === "," && i++ >= 0);
      }
      expect(")");
      return { kind: "call", name: t.text.toUpperCase(), args };
    }
    if (t.text === "(") {
      const inner = expression();
      expect(")");
      return inner;
    }
    if (t.text === "[") {
      const items: Node[] = [];
      if (peek()?.text !== "]") {
        do items.push(expression()); while (peek()?.text === "," && i++ >= 0);
      }
      expect("]");
      return { kind: "array", items };
    }
    throw new ExpressionError(`Unexpected '${t.text}'`);
  }

  const tree = expression();
  if (i < tokens.length) throw new ExpressionError(`Unexpected '${tokens[i]!.text}'`);
  return tree;
}
