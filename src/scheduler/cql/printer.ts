import type { CqlNode } from "./ast.js";
import { subjectText } from "./subjects.js";

/**
 * Prints an expression in canonical form (symbol operators, every argument quoted, binary
 * operations parenthesised). Parsing the output gives the same tree, which the tests rely on;
 * it also gives logs and messages one spelling of an expression.
 */
export function printCql(node: CqlNode): string {
  switch (node.kind) {
    case "or":
      return `(${printCql(node.left)} or ${printCql(node.right)})`;
    case "and":
      return `(${printCql(node.left)} and ${printCql(node.right)})`;
    case "not":
      return `not ${printCql(node.operand)}`;
    case "exists":
      return `${subjectText(node.subject)} ${node.negated ? "!exists" : "exists"}`;
    case "in":
      return `${subjectText(node.subject)} ${node.negated ? "not_in" : "in"} [${node.values.map(quote).join(", ")}]`;
    case "match":
      return `${subjectText(node.subject)} ${node.negated ? "!~" : "=~"} ${quote(node.pattern)}`;
    case "compare":
      return `${subjectText(node.subject)} ${node.op} ${quote(node.value.text)}`;
  }
}

function quote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
