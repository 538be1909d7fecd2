import { Code, RpcError } from "../../core/index.js";

/** Where something sits in an IDL file: 1-based line and column. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type TokenKind = "ident" | "string" | "int" | "double" | "punct" | "eof";

/** One token. `int` tokens carry a bigint value (i64 constants need all 64 bits). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: SourcePos;
  /** Decoded value of string, int and double literals. */
  readonly value?: string | bigint | number;
}

/**
 * The error for bad IDL: INVALID_ARGUMENT, message `file:line:col: what`, and the position
 * in `details[0]` as `{ file, line, column }`.
 */
export function idlError(pos: SourcePos, message: string): RpcError {
  return new RpcError(Code.InvalidArgument, `${pos.file}:${pos.line}:${pos.column}: ${message}`, {
    details: [{ file: pos.file, line: pos.line, column: pos.column }],
  });
}

const PUNCT = new Set(["{", "}", "[", "]", "(", ")", "<", ">", ",", ";", ":", "=", "*"]);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.]/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', "'": "'" };

/** Split Thrift IDL text into tokens; comments (`//`, `#`, `/* *\/`) are dropped. */
export function tokenize(source: string, file: string): Token[] {
  const out: Token[] = [];
  const cur = { i: 0, line: 1, lineStart: 0 };
  const pos = (at: number): SourcePos => ({ file, line: cur.line, column: at - cur.lineStart + 1 });
  while (cur.i < source.length) {
    if (skipSpaceAndComments(source, cur, pos)) continue;
    const i = cur.i, c = source[i]!, p = pos(i);
    let tok: Token;
    if (c === '"' || c === "'") {
      const [value, end] = readString(source, i, p);
      tok = { kind: "string", text: source.slice(i, end), pos: p, value };
    } else if (isDigit(c) || ((c === "-" || c === "+" || c === ".") && isDigit(source[i + 1] ?? ""))) {
      tok = readNumber(source, i, p);
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < source.length && IDENT_PART.test(source[j]!)) j++;
      tok = { kind: "ident", text: source.slice(i, j), pos: p };
    } else if (PUNCT.has(c)) {
      tok = { kind: "punct", text: c, pos: p };
    } else {
      throw idlError(p, `unexpected character ${JSON.stringify(c)}`);
    }
    out.push(tok);
    cur.i = i + tok.text.length;
  }
  out.push({ kind: "eof", text: "", pos: pos(cur.i) });
  return out;
}

/** Skip one run of whitespace or one comment at `cur.i`; false when there is none. */
function skipSpaceAndComments(source: string, cur: { i: number; line: number; lineStart: number }, pos: (at: number) => SourcePos): boolean {
  const c = source[cur.i]!;
  const n = source.length;
  if (c === "\n") { cur.i++; cur.line++; cur.lineStart = cur.i; return true; }
  if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF") { cur.i++; return true; }
  if (c === "#" || (c === "/" && source[cur.i + 1] === "/")) {
    while (cur.i < n && source[cur.i] !== "\n") cur.i++;
    return true;
  }
  if (c !== "/" || source[cur.i + 1] !== "*") return false;
  const start = pos(cur.i);
  cur.i += 2;
  while (cur.i < n && !(source[cur.i] === "*" && source[cur.i + 1] === "/")) {
    if (source[cur.i] === "\n") { cur.line++; cur.lineStart = cur.i + 1; }
    cur.i++;
  }
  if (cur.i >= n) throw idlError(start, "comment is not closed with */");
  cur.i += 2;
  return true;
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function readString(source: string, start: number, p: SourcePos): [string, number] {
  const quote = source[start]!;
  let i = start + 1;
  let value = "";
  for (;;) {
    const c = source[i];
    if (c === undefined || c === "\n") throw idlError(p, "string literal is not closed");
    if (c === quote) return [value, i + 1];
    if (c === "\\") {
      const e = source[i + 1];
      const mapped = e === undefined ? undefined : ESCAPES[e];
      if (mapped === undefined) { value += c; i++; continue; } // keep unknown escapes as written
      value += mapped;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
}

const HEX = /^[+-]?0x[0-9A-Fa-f]+/;
const INT = /^[+-]?[0-9]+(?![.eE0-9])/;
const DOUBLE = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?/;

function readNumber(source: string, i: number, p: SourcePos): Token {
  const rest = source.slice(i, i + 400);
  const hex = HEX.exec(rest);
  if (hex) {
    const t = hex[0];
    const neg = t.startsWith("-");
    const digits = t.replace(/^[+-]?0x/, "");
    const v = BigInt(`0x${digits}`);
    return { kind: "int", text: t, pos: p, value: neg ? -v : v };
  }
  const int = INT.exec(rest);
  if (int) return { kind: "int", text: int[0], pos: p, value: BigInt(int[0].replace(/^\+/, "")) };
  const dbl = DOUBLE.exec(rest);
  if (dbl) return { kind: "double", text: dbl[0], pos: p, value: Number(dbl[0]) };
  throw idlError(p, "malformed number");
}
