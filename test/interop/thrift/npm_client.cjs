// Apache Thrift (npm `thrift`) Echo client, a peer Weir's Thrift server is tested against.
//
//   NODE_PATH=<repo>/node_modules node npm_client.cjs --gen=DIR --port=N [--host=127.0.0.1]
//       [--transport=framed|buffered] [--protocol=binary|compact]
//
// DIR holds `thrift --gen js:node` output of echo.thrift. Calls every Echo method with edge-case
// values, prints one `PASS name` or `FAIL name: why` line per call and `N passed, N failed`;
// exits 1 when any call failed.
"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const thrift = require("thrift");
const Int64 = require("node-int64");

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split(/=(.*)/s, 2)));
const Echo = require(path.resolve(args.gen, "Echo.js"));
const types = require(path.resolve(args.gen, "echo_types.js"));

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

function toInt64(v) {
  const hex = BigInt.asUintN(64, v).toString(16).padStart(16, "0");
  return new Int64(hex);
}
function fromInt64(v) {
  return BigInt.asIntN(64, BigInt("0x" + v.toOctetString()));
}

function everything(over = {}) {
  return new types.Everything({
    big: toInt64(I64_MIN), ratio: -1.5e308, text: "h\u00e9llo \u2713 \u{1d11e}", blob: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    numbers: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1], counts: { "": toInt64(-1n), max: toInt64(I64_MAX) },
    tags: ["a", "b"], inner: new types.Inner({ id: -(2 ** 31), label: "" }), color: types.Color.BLUE,
    flag: true, tiny: -128, small: -32768,
    inners: [new types.Inner({ id: 1, label: "one" }), new types.Inner({ id: -2, label: "\u4e8c" })],
    nested: { 1: ["x", ""], [-7]: [], 2147483647: ["\u00e9"] },
    ...over,
  });
}

/** Comparable form of an Everything as this runtime decodes it (i64 as bigint strings). */
function plain(v) {
  const out = JSON.parse(JSON.stringify(v, (k, x) => {
    if (x instanceof Int64) return fromInt64(x).toString();
    if (x && x.type === "Buffer" && Array.isArray(x.data)) return Buffer.from(x.data).toString("hex");
    return x === null ? undefined : x;
  }));
  if (Array.isArray(out.tags)) out.tags.sort(); // a set: order is not kept
  return out;
}

function cases(client) {
  const big = "\u00e9".repeat(50000);
  const rejects = async (p, check) => {
    try { await p; } catch (e) { check(e); return; }
    throw new Error("no exception");
  };
  return [
    ["ping empty", async () => assert.equal(await client.ping(""), "")],
    ["ping unicode", async () => assert.equal(await client.ping("h\u00e9llo \u{1d11e}"), "h\u00e9llo \u{1d11e}")],
    ["ping 100 KB", async () => assert.equal(await client.ping(big), big)],
    ["echo everything", async () => assert.deepEqual(plain(await client.echo(everything())), plain(everything()))],
    ["echo optional set", async () => {
      const v = everything({ note: "n", big: toInt64(I64_MAX), color: types.Color.RED });
      assert.deepEqual(plain(await client.echo(v)), plain(v));
    }],
    ["add i64 edge", async () => assert.equal(fromInt64(await client.add(toInt64(1n << 62n), toInt64((1n << 62n) - 1n))), I64_MAX)],
    ["add negative", async () => assert.equal(fromInt64(await client.add(toInt64(I64_MIN + 1n), toInt64(-1n))), I64_MIN)],
    ["fail declared exception", () => rejects(client.fail(-42, "n\u00f6pe"), (e) => {
      assert.ok(e instanceof types.EchoError, `got ${e}`);
      assert.deepEqual([e.code, e.message], [-42, "n\u00f6pe"]);
    })],
    ["boom undeclared error", () => rejects(client.boom(), (e) => {
      assert.ok(e instanceof thrift.Thrift.TApplicationException, `got ${e}`);
      assert.equal(e.type, thrift.Thrift.TApplicationExceptionType.INTERNAL_ERROR);
    })],
    ["fire oneway then fired", async () => {
      client.fire("x");
      client.fire("y");
      assert.ok((await client.fired()) >= 2);
    }],
    ["ping after errors", async () => assert.equal(await client.ping("still here"), "still here")],
  ];
}

async function main() {
  const connection = thrift.createConnection(args.host ?? "127.0.0.1", Number(args.port), {
    transport: args.transport === "buffered" ? thrift.TBufferedTransport : thrift.TFramedTransport,
    protocol: args.protocol === "compact" ? thrift.TCompactProtocol : thrift.TBinaryProtocol,
    connect_timeout: 5000,
    timeout: 10000,
  });
  connection.on("error", (e) => console.log(`connection error: ${e.message}`));
  await new Promise((resolve) => connection.once("connect", resolve));
  const client = thrift.createClient(Echo, connection);
  let passed = 0, failed = 0;
  for (const [name, fn] of cases(client)) {
    try {
      await fn();
      passed++;
      console.log(`PASS ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${String(e && e.message || e).slice(0, 300)}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  connection.end();
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { console.log(`FAIL client: ${e.stack}`); process.exit(1); });
