import type { Subject } from "./ast.js";

/** Every operator the language has, in the spelling the AST uses. */
export type Operator = "==" | "!=" | ">" | ">=" | "<" | "<=" | "exists" | "!exists" | "in" | "!in" | "=~" | "!~";

const EQUALITY_AND_PATTERNS: readonly Operator[] = ["==", "!=", "in", "!in", "=~", "!~"];
const ORDERED: readonly Operator[] = ["==", "!=", ">", ">=", "<", "<="];
const ALL: readonly Operator[] = ["==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"];

/**
 * The subjects ECS documents, with the operators it lists as valid for each ("Valid operators"
 * in the cluster query language guide). attribute:* and task:group list none, so all apply.
 */
const NAMED: Record<string, { subject: Subject; operators: readonly Operator[] }> = {
  agentConnected: { subject: { kind: "agentConnected" }, operators: EQUALITY_AND_PATTERNS },
  agentVersion: { subject: { kind: "agentVersion" }, operators: ORDERED },
  ec2InstanceId: { subject: { kind: "ec2InstanceId" }, operators: EQUALITY_AND_PATTERNS },
  registeredAt: { subject: { kind: "registeredAt" }, operators: ORDERED },
  runningTasksCount: { subject: { kind: "runningTasksCount" }, operators: ORDERED },
  "task:group": { subject: { kind: "taskGroup" }, operators: ALL },
};

export const SUBJECT_NAMES = ["attribute:<name>", ...Object.keys(NAMED)].join(", ");

export function namedSubject(word: string): Subject | undefined {
  return NAMED[word]?.subject;
}

export function operatorsFor(subject: Subject): readonly Operator[] {
  if (subject.kind === "attribute") return ALL;
  for (const entry of Object.values(NAMED)) if (entry.subject.kind === subject.kind) return entry.operators;
  return ALL;
}

/** The text a subject is written as, for messages and the printer. */
export function subjectText(subject: Subject): string {
  if (subject.kind === "attribute") return `attribute:${subject.name}`;
  if (subject.kind === "taskGroup") return "task:group";
  return subject.kind;
}

/** Symbolic and word spellings (ECS accepts both: `==` or `equals`, `!in` or `not_in`, ...). */
export const OPERATOR_WORDS: Record<string, Operator> = {
  equals: "==",
  not_equals: "!=",
  greater_than: ">",
  greater_than_equal: ">=",
  less_than: "<",
  less_than_equal: "<=",
  exists: "exists",
  not_exists: "!exists",
  in: "in",
  not_in: "!in",
  matches: "=~",
  not_matches: "!~",
};

export const OPERATOR_LIST = "==, !=, >, >=, <, <=, exists, !exists, in, not_in, =~, !~";
