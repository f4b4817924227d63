/** The cluster query language: parse once, evaluate against many instances. */
export type { CqlNode, Subject, CompareOp, Literal } from "./ast.js";
export { dependsOnPlacement } from "./ast.js";
export type { CqlError } from "./errors.js";
export { parseCql, MAX_EXPRESSION_LENGTH, type CqlParseResult } from "./parser.js";
export { evaluateCql } from "./evaluate.js";
export type { CqlTarget } from "./target.js";
export { printCql } from "./printer.js";
