/**
 * The cluster query language as data. The parser produces it, the evaluator reads it, and the
 * printer turns it back into text; nothing here knows about instances or placement.
 */

/** What a predicate looks at on a container instance (ECS's "subject"). */
export type Subject =
  | { readonly kind: "attribute"; readonly name: string }
  | { readonly kind: "agentConnected" }
  | { readonly kind: "agentVersion" }
  | { readonly kind: "ec2InstanceId" }
  | { readonly kind: "registeredAt" }
  | { readonly kind: "runningTasksCount" }
  | { readonly kind: "taskGroup" };

export type CompareOp = "==" | "!=" | ">" | ">=" | "<" | "<=";

/**
 * A literal argument. `number` is filled in at parse time when the subject compares numerically
 * (runningTasksCount: an integer; registeredAt: epoch milliseconds; an attribute: when the text
 * is a number), so evaluation never re-parses text.
 */
export interface Literal {
  readonly text: string;
  readonly number?: number;
}

export type CqlNode =
  | { readonly kind: "or"; readonly left: CqlNode; readonly right: CqlNode }
  | { readonly kind: "and"; readonly left: CqlNode; readonly right: CqlNode }
  | { readonly kind: "not"; readonly operand: CqlNode }
  | { readonly kind: "compare"; readonly subject: Subject; readonly op: CompareOp; readonly value: Literal }
  | { readonly kind: "exists"; readonly subject: Subject; readonly negated: boolean }
  | { readonly kind: "in"; readonly subject: Subject; readonly values: readonly string[]; readonly negated: boolean }
  | { readonly kind: "match"; readonly subject: Subject; readonly pattern: string; readonly regex: RegExp; readonly negated: boolean };

/** True when the expression reads something a placement changes (so it cannot be memoised per instance). */
export function dependsOnPlacement(node: CqlNode): boolean {
  switch (node.kind) {
    case "or":
    case "and":
      return dependsOnPlacement(node.left) || dependsOnPlacement(node.right);
    case "not":
      return dependsOnPlacement(node.operand);
    default:
      return node.subject.kind === "taskGroup" || node.subject.kind === "runningTasksCount";
  }
}
