/** Thrown while parsing; compileFilterPattern turns it into AWS's "Invalid filter pattern". */
export class PatternError extends Error {}

/** A cursor over a pattern's text with the few lexical rules the three pattern forms share. */
export class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(s: string): boolean {
    this.skipSpace();
    return this.text.startsWith(s, this.pos);
  }

  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string): void {
    if (!this.eat(s)) throw new PatternError(`expected ${s} at ${this.pos}`);
  }

  /** A keyword (IS, NULL, ...) followed by a non-word character. */
  eatWord(word: string): boolean {
    this.skipSpace();
    const after = this.text[this.pos + word.length];
    if (this.text.slice(this.pos, this.pos + word.length).toUpperCase() !== word || (after !== undefined && /\w/.test(after))) return false;
    this.pos += word.length;
    return true;
  }

  /** A double-quoted string; a backslash escapes the next character. */
  quoted(): string {
    this.expect('"');
    let out = "";
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      if (this.text[this.pos] === "\\" && this.pos + 1 < this.text.length) this.pos++;
      out += this.text[this.pos++];
    }
    if (this.pos >= this.text.length) throw new PatternError("unterminated quote");
    this.pos++;
    return out;
  }

  /** A %regular expression%, as AWS allows it: no groups. */
  regex(): RegExp {
    this.expect("%");
    const end = this.text.indexOf("%", this.pos);
    if (end < 0) throw new PatternError("unterminated regular expression");
    const body = this.text.slice(this.pos, end);
    this.pos = end + 1;
    if (body === "" || /[()]/.test(body)) throw new PatternError("unsupported regular expression");
    try {
      return new RegExp(body);
    } catch {
      throw new PatternError("invalid regular expression");
    }
  }

  /** Characters up to whitespace or one of `stops`. */
  bare(stops: string): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && !/\s/.test(this.text[this.pos]!) && !stops.includes(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
}
