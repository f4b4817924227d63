import { compileEventPattern, type EventPattern } from "./event-pattern.js";

// Compiled patterns by their text: rules and archives are matched on every event.
const compiled = new Map<string, EventPattern>();

export function patternOf(text: string): EventPattern {
  let p = compiled.get(text);
  if (!p) {
    p = compileEventPattern(text);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(text, p);
  }
  return p;
}
