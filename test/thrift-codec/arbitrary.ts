/**
 * fast-check arbitraries for values of a Thrift type, in Weir's shape. Kept to what Apache's
 * JavaScript represents faithfully: no -0 or NaN doubles (its hand-written IEEE encoder drops
 * the sign of zero), valid Unicode strings, map keys of string/integer/enum types only, and no
 * `__proto__` keys (Apache's maps are plain objects).
 */
import fc from "fast-check";
import type { ThriftStruct, ThriftType } from "../../src/idl/thrift/index.js";

const INT: Record<string, [number, number]> = { i8: [-128, 127], i16: [-32768, 32767], i32: [-2147483648, 2147483647] };

export function arbitraryOf(t: ThriftType, depth = 0): fc.Arbitrary<unknown> {
  const size = depth > 2 ? 2 : 4;
  switch (t.kind) {
    case "bool": return fc.boolean();
    case "i8": case "i16": case "i32": return fc.integer({ min: INT[t.kind]![0], max: INT[t.kind]![1] });
    case "i64": return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case "double": return fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d));
    case "string": return fc.string({ unit: "grapheme", maxLength: 12 });
    case "uuid": return fc.uuid();
    case "binary": return fc.uint8Array({ maxLength: 16 });
    case "enum": return fc.constantFrom(...t.enum.values.map((v) => v.value));
    case "list": return fc.array(arbitraryOf(t.element, depth + 1), { maxLength: size });
    case "set": return fc.uniqueArray(arbitraryOf(t.element, depth + 1), { maxLength: size, comparator: "SameValueZero" }).map((a) => new Set(a));
    case "map":
      return fc.uniqueArray(fc.tuple(keyOf(t.key), arbitraryOf(t.value, depth + 1)), { maxLength: size, selector: ([k]) => String(k) })
        .map((entries) => new Map(entries));
    case "struct": return structOf(t.struct, depth + 1);
  }
}

function keyOf(t: ThriftType): fc.Arbitrary<unknown> {
  if (t.kind === "string") return fc.string({ unit: "grapheme", maxLength: 8 }).filter((s) => s !== "__proto__");
  if (t.kind === "i8" || t.kind === "i16" || t.kind === "i32" || t.kind === "enum") return arbitraryOf(t);
  throw new Error(`map keys of type ${t.kind} are not generated (Apache's JavaScript maps are plain objects)`);
}

/** Values of a struct: required fields always, others sometimes; a union gets exactly one field. */
export function structOf(s: ThriftStruct, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  if (s.kind === "union") {
    return fc.oneof(...s.fields.map((f) => arbitraryOf(f.type, depth).map((v) => ({ [f.name]: v }))));
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) model[f.name] = arbitraryOf(f.type, depth);
  const requiredKeys = s.fields.filter((f) => f.requiredness === "required").map((f) => f.name);
  return fc.record(model, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}
