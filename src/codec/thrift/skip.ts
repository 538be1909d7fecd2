import { rvar32, rzz64, type Cursor } from "./bytes.js";
import { badSize, badWireType, tooDeep, truncated } from "./errors.js";
import { BINARY_MIN_SIZE, COMPACT_MIN_SIZE, TType } from "./wire.js";

const SKIPPED = "a skipped field";

function need(r: Cursor, n: number): void {
  if (r.p + n > r.e) throw truncated(SKIPPED);
}

function checkCount(r: Cursor, count: number, minEach: number): void {
  if (count < 0 || count * minEach > r.e - r.p) throw badSize(SKIPPED, count, r.e - r.p);
}

function i32(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

/**
 * Skip one value of binary TType `t` at `r.p`. `depth` counts nesting from the top-level
 * struct; past `maxDepth` it throws instead of recursing further. @internal
 */
export function skipBinary(r: Cursor, t: number, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw tooDeep(SKIPPED, maxDepth);
  const b = r.b;
  switch (t) {
    case TType.BOOL: case TType.BYTE: need(r, 1); r.p += 1; return;
    case TType.I16: need(r, 2); r.p += 2; return;
    case TType.I32: need(r, 4); r.p += 4; return;
    case TType.I64: case TType.DOUBLE: need(r, 8); r.p += 8; return;
    case TType.UUID: need(r, 16); r.p += 16; return;
    case TType.STRING: {
      need(r, 4);
      const n = i32(b, r.p);
      r.p += 4;
      checkCount(r, n, 1);
      r.p += n;
      return;
    }
    case TType.STRUCT:
      for (;;) {
        need(r, 1);
        const ft = b[r.p++]!;
        if (ft === TType.STOP) return;
        need(r, 2);
        r.p += 2;
        skipBinary(r, ft, depth + 1, maxDepth);
      }
    case TType.MAP: skipBinaryMap(r, depth, maxDepth); return;
    case TType.SET: case TType.LIST: skipBinaryList(r, depth, maxDepth); return;
    default: throw badWireType(SKIPPED, t, "a Thrift type");
  }
}

function skipBinaryMap(r: Cursor, depth: number, maxDepth: number): void {
  need(r, 6);
  const b = r.b, kt = b[r.p]!, vt = b[r.p + 1]!, n = i32(b, r.p + 2);
  r.p += 6;
  if (n === 0) return;
  const mk = BINARY_MIN_SIZE[kt] ?? 0, mv = BINARY_MIN_SIZE[vt] ?? 0;
  if (!mk || !mv) throw badWireType(SKIPPED, mk ? vt : kt, "a Thrift type");
  checkCount(r, n, mk + mv);
  for (let i = 0; i < n; i++) { skipBinary(r, kt, depth + 1, maxDepth); skipBinary(r, vt, depth + 1, maxDepth); }
}

function skipBinaryList(r: Cursor, depth: number, maxDepth: number): void {
  need(r, 5);
  const et = r.b[r.p]!, n = i32(r.b, r.p + 1);
  r.p += 5;
  if (n === 0) return;
  const min = BINARY_MIN_SIZE[et] ?? 0;
  if (!min) throw badWireType(SKIPPED, et, "a Thrift type");
  checkCount(r, n, min);
  for (let i = 0; i < n; i++) skipBinary(r, et, depth + 1, maxDepth);
}

/**
 * Skip one value of compact type `t` at `r.p` (for a field, BOOLEAN_TRUE/FALSE carry the value
 * and take no bytes; pass `inField`). @internal
 */
export function skipCompact(r: Cursor, t: number, depth: number, maxDepth: number, inField = false): void {
  if (depth > maxDepth) throw tooDeep(SKIPPED, maxDepth);
  const b = r.b;
  switch (t) {
    case 1: case 2: if (!inField) { need(r, 1); r.p += 1; } return;
    case 3: need(r, 1); r.p += 1; return;
    case 4: case 5: case 6: rzz64(r, SKIPPED); return;
    case 7: need(r, 8); r.p += 8; return;
    case 13: need(r, 16); r.p += 16; return;
    case 8: { const n = rvar32(r, SKIPPED); checkCount(r, n, 1); r.p += n; return; }
    case 12: {
      for (;;) {
        need(r, 1);
        const h = b[r.p++]!;
        if (h === 0) return;
        if ((h & 0xf0) === 0) rzz64(r, SKIPPED); // long-form field id
        skipCompact(r, h & 0x0f, depth + 1, maxDepth, true);
      }
    }
    case 9: case 10: skipCompactList(r, depth, maxDepth); return;
    case 11: skipCompactMap(r, depth, maxDepth); return;
    default: throw badWireType(SKIPPED, t, "a compact type");
  }
}

function skipCompactList(r: Cursor, depth: number, maxDepth: number): void {
  need(r, 1);
  const h = r.b[r.p++]!;
  const et = h & 0x0f;
  const n = (h >> 4) === 15 ? rvar32(r, SKIPPED) : h >> 4;
  if (n === 0) return;
  const min = COMPACT_MIN_SIZE[et] ?? 0;
  if (!min) throw badWireType(SKIPPED, et, "a compact type");
  checkCount(r, n, min);
  for (let i = 0; i < n; i++) skipCompact(r, et, depth + 1, maxDepth);
}

function skipCompactMap(r: Cursor, depth: number, maxDepth: number): void {
  const n = rvar32(r, SKIPPED);
  if (n === 0) return;
  need(r, 1);
  const kv = r.b[r.p++]!;
  const kt = kv >> 4, vt = kv & 0x0f;
  const mk = COMPACT_MIN_SIZE[kt] ?? 0, mv = COMPACT_MIN_SIZE[vt] ?? 0;
  if (!mk || !mv) throw badWireType(SKIPPED, mk ? vt : kt, "a compact type");
  checkCount(r, n, mk + mv);
  for (let i = 0; i < n; i++) { skipCompact(r, kt, depth + 1, maxDepth); skipCompact(r, vt, depth + 1, maxDepth); }
}
