/**
 * Calls of every Echo method with edge-case values; each case throws when the answer is wrong.
 */
import assert from "node:assert/strict";
import { Code, RpcError, createClient, type Client, type ClientTransport, type UnaryMethod } from "weir";
import { thriftExceptionOf } from "weir/thrift";
import { Color, Echo, type EchoMethods, type Everything } from "./service.js";

export interface EchoCase {
  readonly name: string;
  run(client: Client<EchoMethods>, transport: ClientTransport): Promise<void>;
}

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const I32_MAX = 2 ** 31 - 1;
const I32_MIN = -(2 ** 31);

/** A value that uses every field, with extremes in each. */
export function everything(over: Partial<Everything> = {}): Everything {
  return {
    big: I64_MIN, ratio: -1.5e308, text: "h\u00e9llo \u2713 \u{1d11e}", blob: Uint8Array.from({ length: 256 }, (_, i) => i),
    numbers: [I32_MIN, -1, 0, 1, I32_MAX], counts: new Map([["", -1n], ["max", I64_MAX], ["min", I64_MIN]]),
    tags: new Set(["a", "b", "\u00fc"]), inner: { id: I32_MIN, label: "" }, color: Color.BLUE,
    flag: true, tiny: -128, small: -32768,
    inners: [{ id: 1, label: "one" }, { id: -2, label: "\u4e8c" }],
    nested: new Map([[1, ["x", ""]], [-7, []], [I32_MAX, ["\u00e9"]]]),
    ...over,
  };
}

/** A comparable form: bytes as hex, sets and maps as sorted arrays, bigints as strings. */
export function comparable(v: unknown): unknown {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (v instanceof Set) return [...v].map(comparable).sort();
  if (v instanceof Map) return [...v].map(([k, x]) => [comparable(k), comparable(x)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => [k, comparable(x)]));
  }
  return v;
}

const big = "\u00e9".repeat(50_000);

async function rejects(p: Promise<unknown>, check: (e: RpcError) => void): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `not an RpcError: ${String(e)}`);
    check(e);
    return;
  }
  throw new Error("the call succeeded; an error was expected");
}

/** A method Echo does not have, sent with ping's codecs. */
function unknownMethod(): UnaryMethod<{ msg: string }, string> {
  const ping = Echo.methods.ping;
  return { ...ping, name: "nope", path: "/Echo/nope" };
}

export const ECHO_CASES: readonly EchoCase[] = [
  { name: "ping empty", run: async (c) => assert.equal(await c.ping({ msg: "" }), "") },
  { name: "ping unicode", run: async (c) => assert.equal(await c.ping({ msg: "h\u00e9llo \u{1d11e}" }), "h\u00e9llo \u{1d11e}") },
  { name: "ping 100 KB", run: async (c) => assert.equal(await c.ping({ msg: big }), big) },
  { name: "echo everything", run: async (c) => assert.deepEqual(comparable(await c.echo({ value: everything() })), comparable(everything())) },
  {
    name: "echo optional set",
    run: async (c) => {
      const v = everything({ note: "n", big: I64_MAX, color: Color.RED });
      assert.deepEqual(comparable(await c.echo({ value: v })), comparable(v));
    },
  },
  {
    name: "echo empty containers",
    run: async (c) => {
      const v = everything({ numbers: [], counts: new Map(), tags: new Set(), inners: [], nested: new Map(), blob: new Uint8Array(0) });
      assert.deepEqual(comparable(await c.echo({ value: v })), comparable(v));
    },
  },
  { name: "add i64 edge", run: async (c) => assert.equal(await c.add({ a: 1n << 62n, b: (1n << 62n) - 1n }), I64_MAX) },
  { name: "add negative", run: async (c) => assert.equal(await c.add({ a: I64_MIN + 1n, b: -1n }), I64_MIN) },
  {
    name: "fail declared exception",
    run: (c) => rejects(c.fail({ code: -42, message: "n\u00f6pe" }), (e) => {
      const ex = thriftExceptionOf(e);
      assert.ok(ex, `not a declared exception: ${e.message}`);
      assert.deepEqual({ ...ex.value }, { code: -42, message: "n\u00f6pe" });
    }),
  },
  {
    name: "boom undeclared error",
    run: (c) => rejects(c.boom({}), (e) => {
      assert.equal(thriftExceptionOf(e), undefined);
      assert.ok(e.code === Code.Internal || e.code === Code.Unknown, `code ${e.code}`);
    }),
  },
  {
    name: "fire oneway then fired",
    run: async (c) => {
      await c.fire({ msg: "x" });
      await c.fire({ msg: "y" });
      const n = await c.fired({});
      assert.ok(n >= 2, `fired() = ${n}`);
    },
  },
  {
    name: "unknown method",
    run: async (_c, transport) => {
      const nope = unknownMethod();
      const client = createClient({ ...Echo, methods: { nope } }, transport);
      await rejects(client.nope({ msg: "x" }), (e) => assert.equal(e.code, Code.Unimplemented));
    },
  },
  { name: "ping after errors", run: async (c) => assert.equal(await c.ping({ msg: "still here" }), "still here") },
];
