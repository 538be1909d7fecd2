import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { parseThriftIdl } from "../../idl/thrift/index.js";
import { createFieldMask, maskedStructCodec } from "./field-mask.js";
import { createStructCodec, type ThriftProtocol } from "./struct-codec.js";

const idl = parseThriftIdl(`
  struct Msg { 1: string role, 2: string content, 3: list<string> tags }
  struct Req {
    1: string model,
    2: list<Msg> messages,
    3: map<string, string> params,
    4: required i32 version,
    5: map<i32, Msg> byId,
    6: set<string> labels,
    7: map<double, string> odd,
    8: Msg last,
  }
`);
const Req = idl.struct("Req");
const value = () => ({
  model: "m",
  messages: [{ role: "a", content: "x", tags: ["t1", "t2"] }, { role: "b", content: "y" }, { role: "c", content: "z" }],
  params: new Map([["temperature", "0.7"], ["top_p", "1"], ["seed", "3"]]),
  version: 2,
  byId: new Map([[1, { role: "r1", content: "c1" }], [-2, { role: "r2", content: "c2" }]]),
  labels: new Set(["l0", "l1", "l2"]),
  odd: new Map([[1.5, "x"]]),
  last: { role: "z", content: "last" },
});
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

for (const protocol of ["binary", "compact"] as ThriftProtocol[]) {
  describe(`FieldMask (${protocol})`, () => {
    const full = createStructCodec<any>(Req, protocol);
    /** What a masked encode writes, read back in full; and what a masked decode keeps of a full encode. */
    const both = (...paths: string[]) => {
      const c = maskedStructCodec<any>(createFieldMask(Req, ...paths), protocol);
      const written = full.decode(c.encode(value()));
      const read = c.decode(full.encode(value()));
      return { written, read };
    };

    it("selects fields by name and by id; required fields are always written", () => {
      const { written, read } = both("$.model", "$.8");
      assert.deepEqual(written, { model: "m", version: 2, last: { role: "z", content: "last" } });
      assert.deepEqual(read, { model: "m", last: { role: "z", content: "last" } });
    });

    it("selects list elements by index and with [*], with masks below them", () => {
      const { written, read } = both("$.messages[0,2].content", "$.messages[*].role", "$.messages[7]");
      const expected = [{ role: "a", content: "x" }, { role: "b" }, { role: "c", content: "z" }];
      assert.deepEqual(written.messages, expected);
      assert.deepEqual(read.messages, expected);
      assert.deepEqual(both("$.messages[1]").written.messages, [{ role: "b", content: "y" }]);
      assert.deepEqual(both("$.messages[0].tags[1]").read.messages, [{ tags: ["t2"] }]);
    });

    it("selects map entries by string key, integer key and {*}; set elements by index", () => {
      assert.deepEqual(both('$.params{"top_p","seed","absent"}').written.params, new Map([["top_p", "1"], ["seed", "3"]]));
      assert.deepEqual(both('$.params{"top_p"}').read.params, new Map([["top_p", "1"]]));
      assert.deepEqual(both("$.byId{-2}.content").written.byId, new Map([[-2, { content: "c2" }]]));
      assert.deepEqual(both("$.byId{*}.role").read.byId, new Map([[1, { role: "r1" }], [-2, { role: "r2" }]]));
      assert.deepEqual(both("$.labels[0,2]").written.labels, new Set(["l0", "l2"]));
      assert.deepEqual(both("$.odd{*}").read.odd, new Map([[1.5, "x"]]));
    });

    it("selects everything with .* and merges overlapping paths", () => {
      assert.deepEqual(both("$.*").written, value());
      const { written } = both("$.last.role", "$.last");
      assert.deepEqual(written.last, { role: "z", content: "last" });
    });
  });
}

describe("FieldMask paths", () => {
  it("reject bad paths with INVALID_ARGUMENT naming the path and position", () => {
    const cases: Array<[string, RegExp]> = [
      ["model", /starts with \$/],
      ["$", /selects nothing/],
      ["$.nope", /at 2: Req has no field nope/],
      ["$.model[0]", /\[\.\.\.\] applies to a list or set, not string/],
      ["$.messages{0}", /\{\.\.\.\} applies to a map, not list<.*Msg>/],
      ["$.params{1}", /expected a quoted string or \*/],
      ["$.byId{\"a\"}", /expected an integer or \*/],
      ["$.odd{1}", /can only be selected with \*/],
      ["$.messages[0 ,1]", /expected "," or "\]"/],
      ["$. model", /expected a field name or id/],
      ["$.model.x", /\.field applies to a struct, not string/],
    ];
    for (const [path, re] of cases) assert.throws(() => createFieldMask(Req, path), invalid(re), path);
  });

  it("refuse masks longer than 8192 characters and paths deeper than 64 segments, before compiling anything", () => {
    const Node = parseThriftIdl("struct Node { 1: Node next, 2: list<i32> xs }").struct("Node");
    const keys = "$.xs[" + Array.from({ length: 2000 }, (_, i) => i).join(",") + "]";
    assert.throws(() => createFieldMask(Node, keys), invalid(/paths of \d+ characters exceed the limit of 8192/));
    assert.throws(() => createFieldMask(Node, "$.xs[0]", "$.xs[1]".padEnd(8190, "]")), invalid(/exceed the limit of 8192/), "counted over all paths");
    assert.ok(createFieldMask(Node, "$" + ".next".repeat(63) + ".xs"));
    assert.throws(() => createFieldMask(Node, "$" + ".next".repeat(64) + ".xs"), invalid(/nests deeper than 64 segments/));
    assert.throws(() => createFieldMask(Node, "$" + ".next".repeat(1000)), invalid(/^\[INVALID_ARGUMENT\] bad FieldMask path "\$(\.next){39}\.nex…"/), "no stack overflow, and the path is quoted cut");
  });

  it("keep the paths and compile one codec per mask and protocol", () => {
    const mask = createFieldMask(Req, "$.model");
    assert.deepEqual(mask.paths, ["$.model"]);
    assert.equal(maskedStructCodec(mask, "binary"), maskedStructCodec(mask, "binary"));
    assert.notEqual(maskedStructCodec(mask, "binary"), maskedStructCodec(mask, "compact"));
  });
});
