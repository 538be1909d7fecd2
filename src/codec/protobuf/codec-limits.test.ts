// Limits of the Protobuf codec on hostile input: nesting is bounded before the stack is.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import { protobufCodec } from "./codec.js";

const Node = protobuf.parse(`syntax = "proto3"; message Node { Node next = 1; string s = 2; }`).root.lookupType("Node");

/** A message with `depth` messages nested below it, each the only field of the one around it. */
function nested(depth: number): Uint8Array {
  const lengths: number[] = [];
  let len = 0;
  for (let i = 0; i < depth; i++) {
    lengths.push(len);
    len += 1 + varintSize(len);
  }
  const out = Buffer.alloc(len);
  let p = 0;
  for (let i = depth - 1; i >= 0; i--) {
    out[p++] = 0x0a; // field 1, length-delimited
    for (let v = lengths[i]!; ; v >>>= 7) {
      if (v < 128) { out[p++] = v; break; }
      out[p++] = (v & 127) | 128;
    }
  }
  return out;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128 ** n) n++;
  return n;
}

describe("Protobuf codec limits", () => {
  it("decodes 100 levels of nesting below the top message and refuses 101, also a million levels in 4 MiB, at once", () => {
    const codec = protobufCodec<{ next?: unknown }>(Node);
    let depth = 0;
    for (let m = codec.decode(nested(100)) as { next?: unknown } | undefined; m !== undefined && m !== null; m = m.next as typeof m) depth++;
    assert.equal(depth, 101, "the top message and 100 below it");
    for (const levels of [101, 1_000_000]) {
      const bytes = nested(levels);
      const started = performance.now();
      assert.throws(() => codec.decode(bytes), (e: RpcError) => e.code === Code.Internal && /cannot decode Node: maximum nesting depth exceeded/.test(e.rawMessage));
      assert.ok(performance.now() - started < 100, "refused without walking the input");
    }
  });
});
