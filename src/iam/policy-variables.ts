/**
 * IAM policy variables (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
 * in Resource and Condition values of policies whose Version is 2012-10-17: `${aws:username}` is
 * the request context's value of that key; `${aws:x, 'default'}` falls back to the quoted text
 * (`''` inside it is one quote); `${*}`, `${?}` and `${$}` are those characters taken literally.
 * A key absent from the context (or multi-valued), with no default, leaves the element unmatched.
 * Hand-written: it is a small grammar no library implements, and the substituted text must stay
 * literal (a user named `a*` must not become a wildcard), so substitution yields pieces that
 * remember which text came from the policy (globbed) and which from the request (literal).
 */

/** A piece of a policy value after substitution: `literal` text matches itself only, even `*` and `?`. */
export interface Piece {
  text: string;
  literal: boolean;
}

/** The context as policy evaluation keeps it: keys lower-cased, every value a list. */
export type VariableContext = Record<string, string[] | undefined>;

const ESCAPES: Record<string, string> = { "*": "*", "?": "?", $: "$" };
/** `${ key }` or `${ key , 'default' }`: keys are letters, digits and : / _ . - (tag keys allow more, but never `}` or `,`). */
const VARIABLE = /^\$\{\s*([^\s,}'$]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?\}/;

/** The pieces `template` becomes in `context`; undefined when a variable has no value and no default. */
export function substituteVariables(template: string, context: VariableContext): Piece[] | undefined {
  const pieces: Piece[] = [];
  const push = (text: string, literal: boolean) => {
    const last = pieces[pieces.length - 1];
    if (last && last.literal === literal) last.text += text;
    else pieces.push({ text, literal });
  };
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf("${", i);
    if (start < 0) {
      push(template.slice(i), false);
      break;
    }
    if (start > i) push(template.slice(i, start), false);
    const rest = template.slice(start);
    const escape = /^\$\{([*?$])\}/.exec(rest);
    if (escape) {
      push(ESCAPES[escape[1]!]!, true);
      i = start + escape[0].length;
      continue;
    }
    const variable = VARIABLE.exec(rest);
    if (!variable) {
      // Not a variable (an unclosed `${`): the text as written.
      push("${", false);
      i = start + 2;
      continue;
    }
    const values = context[variable[1]!.toLowerCase()];
    if (values?.length === 1) push(values[0]!, true);
    else if (variable[2] !== undefined) push(variable[2].replace(/''/g, "'"), true);
    else return undefined;
    i = start + variable[0].length;
  }
  return pieces;
}

/** Whether a policy's Version lets it use variables: only 2012-10-17; older policies take `${...}` as text. */
export const usesVariables = (version: string | undefined) => version === "2012-10-17";

/**
 * The regular expression a policy value matches with: with `glob`, `*` and `?` of the policy's
 * own text are wildcards (Resource, StringLike, ArnLike); substituted text is always literal.
 */
export function piecesRegExp(pieces: Piece[], { glob, ignoreCase }: { glob: boolean; ignoreCase: boolean }): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const source = pieces.map((p) => (p.literal || !glob ? escape(p.text) : escape(p.text).replace(/\\\*/g, ".*").replace(/\\\?/g, "."))).join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
}

/** A policy value resolved in a context: its matcher, or undefined when it cannot match (a variable without value). */
export function valueMatcher(template: string, context: VariableContext, { variables, glob, ignoreCase = false }: { variables: boolean; glob: boolean; ignoreCase?: boolean }): RegExp | undefined {
  const pieces = variables ? substituteVariables(template, context) : [{ text: template, literal: false }];
  return pieces && piecesRegExp(pieces, { glob, ignoreCase });
}

/** A policy value as plain text after substitution (numeric, date, IP and Bool conditions); undefined as above. */
export function substitutedText(template: string, context: VariableContext, variables: boolean): string | undefined {
  if (!variables) return template;
  return substituteVariables(template, context)?.map((p) => p.text).join("");
}
