import { Code, RpcError, clip } from "../../core/index.js";
import { typeName, type ThriftStruct, type ThriftType } from "../../idl/thrift/index.js";
import type { MaskNode } from "./mask-node.js";
import { compileStructs, resolveCodecOptions, wrapStruct, type ThriftCodecOptions, type ThriftProtocol, type ThriftStructCodec } from "./struct-codec.js";

/**
 * A FieldMask: which parts of a struct to serialize, in Kitex's path syntax, rooted at `$`:
 * `.name` (or `.7`, a field id) selects a struct field, `.*` every field; `[0,2]` list or set
 * elements by index, `[*]` all of them; `{"k1","k2"}` string map keys, `{1,2}` integer map keys,
 * `{*}` all keys. No whitespace outside quoted keys. A path that stops early selects everything
 * below it; out-of-range indexes select nothing. Several paths are merged.
 *
 * Encoding with a mask writes only the selected fields (required fields are always written),
 * elements and entries; decoding skips everything else (required fields left out by the mask are
 * not checked). Masks are checked against the struct when created: a bad path is an RpcError
 * INVALID_ARGUMENT naming the path and position.
 *
 * @example
 * const mask = createFieldMask(idl.struct("LlmRequest"), "$.model", "$.messages[*].content", '$.params{"temperature"}');
 * const codec = maskedStructCodec(idl.struct("LlmRequest"), mask, "binary");
 */
export interface FieldMask {
  readonly struct: ThriftStruct;
  readonly paths: readonly string[];
  /** @internal the compiled tree */
  readonly root: MaskNode;
}

interface Builder { children: Map<number | string, Builder | null>; star: Builder | null | undefined }

/**
 * Characters of all the paths of one mask, and segments of one path, at most: a mask compiles to
 * code (about 20 ms per 1000 selected keys), so masks taken from requests must stay small; values
 * nested deeper than 64 levels cannot be encoded by default anyway.
 */
export const FIELD_MASK_LIMITS = Object.freeze({ maxChars: 8192, maxDepth: 64 });

export function createFieldMask(struct: ThriftStruct, ...paths: string[]): FieldMask {
  let chars = 0;
  for (const p of paths) chars += p.length;
  if (chars > FIELD_MASK_LIMITS.maxChars) {
    throw new RpcError(Code.InvalidArgument, `FieldMask paths of ${chars} characters exceed the limit of ${FIELD_MASK_LIMITS.maxChars}`);
  }
  const root: Builder = { children: new Map(), star: undefined };
  for (const path of paths) new PathParser(path, struct).parseInto(root);
  return Object.freeze({ struct, paths: Object.freeze([...paths]), root: finish(root) });
}

const codecs = new WeakMap<FieldMask, Map<string, ThriftStructCodec>>();

/** A codec for `mask.struct` that honours the mask on encode and decode (compiled once per mask). */
export function maskedStructCodec<T = Record<string, unknown>>(mask: FieldMask, protocol: ThriftProtocol = "binary", options: ThriftCodecOptions = {}): ThriftStructCodec<T> {
  const opts = resolveCodecOptions(options);
  const key = `${protocol}:${opts.i64}:${opts.maxDepth}`;
  let byKey = codecs.get(mask);
  if (!byKey) codecs.set(mask, (byKey = new Map()));
  let c = byKey.get(key);
  if (!c) byKey.set(key, (c = wrapStruct(mask.struct, protocol, compileStructs([mask.struct], protocol, opts, mask.root)[0]!, opts)));
  return c as ThriftStructCodec<T>;
}

/** Merge `star` into every explicit child, then freeze builders into MaskNodes. */
function finish(b: Builder): MaskNode {
  const children = new Map<number | string, MaskNode | null>();
  for (const [k, c] of b.children) {
    const merged = b.star === undefined ? c : union(c, b.star);
    children.set(k, merged === null ? null : finish(merged));
  }
  const star = b.star === undefined || b.star === null ? b.star : finish(b.star);
  return Object.freeze({ children, star });
}

function union(a: Builder | null, b: Builder | null): Builder | null {
  if (a === null || b === null) return null;
  const out: Builder = { children: new Map(a.children), star: a.star };
  for (const [k, c] of b.children) out.children.set(k, out.children.has(k) ? union(out.children.get(k)!, c) : c);
  if (b.star !== undefined) out.star = out.star === undefined ? b.star : union(out.star, b.star);
  return out;
}

type Seg = { keys: Array<number | string>; star: boolean };

class PathParser {
  private i = 0;
  constructor(private readonly path: string, private readonly struct: ThriftStruct) {}

  parseInto(root: Builder): void {
    if (this.path[0] !== "$") throw this.error("a path starts with $");
    this.i = 1;
    let level: Builder[] = [root];
    let type: ThriftType = { kind: "struct", struct: this.struct, annotations: {} };
    for (let depth = 1; this.i < this.path.length; depth++) {
      if (depth > FIELD_MASK_LIMITS.maxDepth) throw this.error(`the path nests deeper than ${FIELD_MASK_LIMITS.maxDepth} segments`);
      const { seg, next } = this.segment(type);
      const last = this.i >= this.path.length;
      const deeper: Builder[] = [];
      for (const node of level) for (const child of descend(node, seg, last)) deeper.push(child);
      level = deeper;
      type = next;
    }
    if (this.path.length === 1) throw this.error("the path selects nothing; give at least one segment");
  }

  /** One segment; returns the keys it selects and the type below it. */
  private segment(t: ThriftType): { seg: Seg; next: ThriftType } {
    const c = this.path[this.i];
    if (c === ".") return this.field(t);
    if (c === "[") {
      if (t.kind !== "list" && t.kind !== "set") throw this.error(`[...] applies to a list or set, not ${typeName(t)}`);
      return { seg: this.keys("[", "]", "int"), next: t.element };
    }
    if (c === "{") {
      if (t.kind !== "map") throw this.error(`{...} applies to a map, not ${typeName(t)}`);
      const k = t.key.kind;
      const kind = k === "string" ? "string" : k === "i8" || k === "i16" || k === "i32" || k === "i64" || k === "enum" ? "int" : "star";
      return { seg: this.keys("{", "}", kind), next: t.value };
    }
    throw this.error(`unexpected ${JSON.stringify(c)}`);
  }

  private field(t: ThriftType): { seg: Seg; next: ThriftType } {
    if (t.kind !== "struct") throw this.error(`.field applies to a struct, not ${typeName(t)}`);
    this.i++;
    if (this.path[this.i] === "*") { this.i++; return { seg: { keys: [], star: true }, next: STAR_TYPE }; }
    const m = /^[A-Za-z0-9_]+/.exec(this.path.slice(this.i));
    if (!m) throw this.error("expected a field name or id after .");
    const token = m[0];
    const f = /^\d+$/.test(token) ? t.struct.fields.find((x) => x.id === Number(token)) : t.struct.fields.find((x) => x.name === token);
    if (!f) throw this.error(`${t.struct.name} has no field ${token}`);
    this.i += token.length;
    return { seg: { keys: [f.id], star: false }, next: f.type };
  }

  private keys(open: string, close: string, kind: "int" | "string" | "star"): Seg {
    this.i++;
    const out: Seg = { keys: [], star: false };
    for (;;) {
      const rest = this.path.slice(this.i);
      let m: RegExpExecArray | null;
      if (rest[0] === "*") { out.star = true; this.i++; }
      else if (kind === "int" && (m = /^-?\d+/.exec(rest))) { out.keys.push(open === "[" ? Number(m[0]) : String(BigInt(m[0]))); this.i += m[0].length; }
      else if (kind === "string" && (m = /^"((?:[^"\\]|\\.)*)"/.exec(rest))) { out.keys.push(JSON.parse(m[0]) as string); this.i += m[0].length; }
      else throw this.error(kind === "star" ? "this map's keys can only be selected with *" : `expected ${kind === "int" ? "an integer" : "a quoted string"} or *`);
      const c = this.path[this.i++];
      if (c === close) return out;
      if (c !== ",") throw this.error(`expected "," or "${close}"`);
    }
  }

  private error(why: string): RpcError {
    return new RpcError(Code.InvalidArgument, `bad FieldMask path ${JSON.stringify(clip(this.path))} at ${this.i}: ${why}`);
  }
}

/** After `.*` the next segment may apply to any field: checks below a struct star are skipped. */
const STAR_TYPE: ThriftType = { kind: "struct", struct: { kind: "struct", name: "*", fullName: "*", fields: [], annotations: {}, pos: { file: "", line: 0, column: 0 } }, annotations: {} };

/** The child builders a segment selects under `node` (none when already selected whole). */
function descend(node: Builder, seg: Seg, last: boolean): Builder[] {
  const out: Builder[] = [];
  const take = (get: () => Builder | null | undefined, set: (b: Builder | null) => void) => {
    const cur = get();
    if (cur === null) return; // already the whole value
    if (last) { set(null); return; }
    if (cur === undefined) { const b: Builder = { children: new Map(), star: undefined }; set(b); out.push(b); } else out.push(cur);
  };
  for (const k of seg.keys) take(() => node.children.get(k), (b) => node.children.set(k, b));
  if (seg.star) take(() => node.star, (b) => { node.star = b; });
  return out;
}
