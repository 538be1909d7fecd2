import protobuf from "protobufjs";
import type { EncodeTarget } from "../../idl/descriptor.js";

/**
 * A direct encoder for messages whose fields are all singular scalars, strings or bytes: it sizes
 * the message in one pass and writes it straight into the target in a second, with none of the
 * protobufjs Writer's per-field allocations. It writes exactly what protobufjs's generated encoder
 * writes (fields in number order; a field present when it is an own property that is not null or
 * undefined). Values of a shape it does not expect (a string for a number, a Long, a base64 string
 * for bytes) make `encodeInto` return false, and the caller encodes with protobufjs instead.
 */
export interface DirectEncoder {
  /** Encode `value` into `target`; false (nothing reserved or written) when protobufjs must do it. */
  encodeInto(value: object, target: EncodeTarget): boolean;
}

const enum Kind { Uint32, Int32, Sint32, Bool, Fixed32, Float, Double, String, Bytes }

const KINDS: Readonly<Record<string, Kind>> = {
  uint32: Kind.Uint32, int32: Kind.Int32, sint32: Kind.Sint32, bool: Kind.Bool, fixed32: Kind.Fixed32,
  sfixed32: Kind.Fixed32, float: Kind.Float, double: Kind.Double, string: Kind.String, bytes: Kind.Bytes,
};

interface FieldPlan {
  readonly name: string;
  readonly kind: Kind;
  /** The field's key (number and wire type) as a varint, and its size in bytes. */
  readonly tag: number;
  readonly tagBytes: number;
}

/** Up to this many bytes are copied by a loop; above it set() wins (measured: even at 12 bytes). */
const SMALL_COPY = 8;

/** The direct encoder for `type`, or undefined when one of its fields needs protobufjs. */
export function directEncoder(type: protobuf.Type): DirectEncoder | undefined {
  const fields = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  const plans: FieldPlan[] = [];
  for (const f of fields) {
    f.resolve();
    const kind = KINDS[f.type];
    if (kind === undefined || f.resolvedType !== null || f.map || f.repeated || !f.optional) return undefined;
    const wire = protobuf.types.basic[f.type as keyof typeof protobuf.types.basic];
    const tag = ((f.id << 3) | wire) >>> 0;
    plans.push({ name: f.name, kind, tag, tagBytes: varintBytes(tag) });
  }
  // One function per type, generated once (as protobufjs does): the field loop and the kind
  // switch are unrolled, which halves the cost of a small message.
  const body = `${plans.map(sizeCode).join("\n")}
t.reserve(s); const b = t.buffer; let p = t.offset;
${plans.map(writeCode).join("\n")}
return true;`;
  const make = new Function("H", "vb", "wv", "wn", "cp", "isU", "isI", `return function encode(m, t) {\nlet s = 0;\n${body}\n}`);
  const encodeInto = make(Object.prototype.hasOwnProperty, varintBytes, writeVarint, writeNegative, copyBytes, isUint32, isInt32);
  return { encodeInto: encodeInto as DirectEncoder["encodeInto"] };
}

/** Field `i`: read it, check its shape (else return false: protobufjs encodes) and add its size. */
function sizeCode(p: FieldPlan, i: number): string {
  const v = `v${i}`;
  const head = `const ${v} = m[${JSON.stringify(p.name)}]; const h${i} = ${v} != null && H.call(m, ${JSON.stringify(p.name)});\nif (h${i}) {`;
  const t = p.tagBytes;
  switch (p.kind) {
    case Kind.String:
      return `${head} if (typeof ${v} !== "string") return false; var n${i} = ${v}.length === 0 ? 0 : Buffer.byteLength(${v}, "utf8"); s += ${t} + vb(n${i}) + n${i}; }`;
    case Kind.Bytes:
      return `${head} if (!(${v} instanceof Uint8Array)) return false; s += ${t} + vb(${v}.length) + ${v}.length; }`;
    case Kind.Bool:
      return `${head} if (typeof ${v} !== "boolean") return false; s += ${t + 1}; }`;
    case Kind.Float:
      return `${head} if (typeof ${v} !== "number") return false; s += ${t + 4}; }`;
    case Kind.Double:
      return `${head} if (typeof ${v} !== "number") return false; s += ${t + 8}; }`;
    case Kind.Fixed32:
      return `${head} if (typeof ${v} !== "number" || !(isU(${v}) || isI(${v}))) return false; s += ${t + 4}; }`;
    case Kind.Uint32:
      return `${head} if (typeof ${v} !== "number" || !isU(${v})) return false; s += ${t} + vb(${v}); }`;
    case Kind.Int32:
      return `${head} if (typeof ${v} !== "number" || !isI(${v})) return false; s += ${t} + (${v} < 0 ? 10 : vb(${v})); }`;
    case Kind.Sint32:
      return `${head} if (typeof ${v} !== "number" || !isI(${v})) return false; var z${i} = ((${v} << 1) ^ (${v} >> 31)) >>> 0; s += ${t} + vb(z${i}); }`;
  }
}

/** Field `i`: its key, then its value. */
function writeCode(p: FieldPlan, i: number): string {
  const v = `v${i}`;
  const key = p.tag < 0x80 ? `b[p++] = ${p.tag};` : `p = wv(b, p, ${p.tag});`;
  const head = `if (h${i}) { ${key}`;
  switch (p.kind) {
    case Kind.String:
      return `${head} p = wv(b, p, n${i}); if (n${i} > 0) b.write(${v}, p, n${i}, "utf8"); p += n${i}; }`;
    case Kind.Bytes:
      return `${head} p = cp(b, wv(b, p, ${v}.length), ${v}); }`;
    case Kind.Bool:
      return `${head} b[p++] = ${v} ? 1 : 0; }`;
    case Kind.Float:
      return `${head} p = b.writeFloatLE(${v}, p); }`;
    case Kind.Double:
      return `${head} p = b.writeDoubleLE(${v}, p); }`;
    case Kind.Fixed32:
      return `${head} p = b.writeUInt32LE(${v} >>> 0, p); }`;
    case Kind.Uint32:
      return `${head} p = wv(b, p, ${v}); }`;
    case Kind.Int32:
      return `${head} p = ${v} < 0 ? wn(b, p, ${v}) : wv(b, p, ${v}); }`;
    case Kind.Sint32:
      return `${head} p = wv(b, p, z${i}); }`;
  }
}

/** Copy bytes; a loop for a few (cheaper than set()), set() for more. */
function copyBytes(buf: Buffer, pos: number, bytes: Uint8Array): number {
  const n = bytes.length; // length, not byteLength: the latter is slower on a Buffer
  if (n > SMALL_COPY) buf.set(bytes, pos);
  else for (let k = 0; k < n; k++) buf[pos + k] = bytes[k]!;
  return pos + n;
}

function isUint32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** An unsigned 32-bit varint. */
function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** A negative int32: its 64-bit two's complement as a 10-byte varint (what protobufjs writes). */
function writeNegative(buf: Buffer, pos: number, v: number): number {
  pos = writeVarint5(buf, pos, v >>> 0);
  for (let k = 0; k < 4; k++) buf[pos++] = 0xff;
  buf[pos++] = 0x01;
  return pos;
}

/** The low 32 bits in five 7-bit groups, the fifth with its high (sign) bits set and continued. */
function writeVarint5(buf: Buffer, pos: number, lo: number): number {
  for (let k = 0; k < 4; k++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = (lo & 0x0f) | 0x70 | 0x80;
  return pos;
}
