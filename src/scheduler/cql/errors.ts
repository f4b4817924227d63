/**
 * An invalid expression is a value, not an exception: it says where the text is wrong (offset,
 * 0-based; column, 1-based) and what was expected there. The ECS layer turns it into an
 * InvalidParameterException whose message is `message`.
 */
export interface CqlError {
  readonly offset: number;
  readonly column: number;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

/** Describes what sits at `offset`: the next run of non-blank text, or the end. */
function describeAt(source: string, offset: number): string {
  if (offset >= source.length) return "end of expression";
  const rest = source.slice(offset).match(/^\S{1,20}/)?.[0] ?? source.slice(offset, offset + 1);
  return `"${rest}"`;
}

export function cqlError(source: string, offset: number, expected: string, found = describeAt(source, offset)): CqlError {
  const column = offset + 1;
  return {
    offset,
    column,
    expected,
    found,
    message: `Invalid cluster query expression at column ${column}: expected ${expected} but found ${found}.`,
  };
}

/** Thrown only inside the parser to unwind; never escapes parseCql. */
export class CqlSyntaxError extends Error {
  constructor(readonly error: CqlError) {
    super(error.message);
  }
}
