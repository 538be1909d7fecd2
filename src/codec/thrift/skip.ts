import type { Cursor } from "./bytes.js";
import { badI64, badSize, badWireType, tooDeep, truncated } from "./errors.js";
import { StructWalk, type WalkErrors } from "./struct-walk.js";

const SKIPPED = "a skipped field";

/** The codec's wording of a fault in a skipped value: INVALID_ARGUMENT, as every decode failure. @internal */
export const SKIP_ERRORS: WalkErrors = Object.freeze({
  truncated: () => truncated(SKIPPED),
  badSize: (size: number, remaining: number) => badSize(SKIPPED, size, remaining),
  badType: (type: number) => badWireType(SKIPPED, type, "a Thrift type"),
  tooDeep: (maxDepth: number) => tooDeep(SKIPPED, maxDepth),
  longVarint: (maxBytes: number) => badI64(SKIPPED, `varint longer than ${maxBytes} bytes`),
});

// Skips run to completion without calling out, so one walk serves every codec.
const walk = new StructWalk(SKIP_ERRORS);

/**
 * Skip one value of binary TType `t` at `r.p`. `depth` counts nesting from the top-level
 * struct; past `maxDepth` it throws instead of walking further. @internal
 */
export function skipBinary(r: Cursor, t: number, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw tooDeep(SKIPPED, maxDepth);
  r.p = walk.skip("binary", r.b, r.p, r.e, t, depth, maxDepth);
}

/**
 * Skip one value of compact type `t` at `r.p` (for a field, BOOLEAN_TRUE/FALSE carry the value
 * and take no bytes; pass `inField`). @internal
 */
export function skipCompact(r: Cursor, t: number, depth: number, maxDepth: number, inField = false): void {
  if (depth > maxDepth) throw tooDeep(SKIPPED, maxDepth);
  if (inField && (t === 1 || t === 2)) return;
  r.p = walk.skip("compact", r.b, r.p, r.e, t, depth, maxDepth);
}
