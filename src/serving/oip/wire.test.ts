// The ModelInfer codec against protobufjs reading and writing the same inference.proto: every
// datatype, raw and typed, packed and unpacked, parameters of every kind, unknown fields.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import { DATATYPES } from "../datatype.js";
import { oipProtoPath, oipDescriptor } from "./descriptor.js";
import { TENSOR_LIMIT_DEFAULTS, resolveTensorLimits } from "./limits.js";
import { plainData, sampleTensor, sampleTensors } from "./samples-fixture.js";
import type { Tensor } from "../tensor.js";
import type { InferRequest, InferResponse } from "./types.js";
import { decodeInferRequest, decodeInferResponse } from "./wire.js";

const root = new protobuf.Root().loadSync(oipProtoPath(), { keepCase: true });
const RequestType = root.lookupType("inference.ModelInferRequest");
const ResponseType = root.lookupType("inference.ModelInferResponse");
const { input: requestCodec, output: responseCodec } = oipDescriptor().methods.ModelInfer;
const limits = TENSOR_LIMIT_DEFAULTS;

const plain = (ts: readonly Tensor[]) => ts.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: plainData(t), parameters: t.parameters }));
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.rawMessage);

function request(inputs: Tensor[], contents: "raw" | "typed"): InferRequest {
  return {
    modelName: "m", modelVersion: "3", id: "req-é-1",
    parameters: { s: "x", b: true, i: -7, big: 9007199254740993n, u: 18446744073709551615n, d: 0.25 },
    inputs, outputs: [{ name: "o1" }, { name: "o2", parameters: { binary_data: true } }], contents,
  };
}

describe("ModelInfer codec", () => {
  for (const contents of ["raw", "typed"] as const) {
    it(`round-trips a request with every datatype (${contents}), typed falling back to raw for FP16/BF16`, () => {
      const inputs = sampleTensors([2, 3]);
      const typedOnes = inputs.filter((t) => t.datatype !== "FP16" && t.datatype !== "BF16");
      for (const set of [inputs, typedOnes]) {
        const req = request(set, contents);
        const back = requestCodec.decode(requestCodec.encode(req));
        assert.deepEqual(plain(back.inputs), plain(set));
        assert.equal(back.contents, contents === "typed" && set === typedOnes ? "typed" : "raw");
        assert.deepEqual({ ...back, inputs: [], contents: "" }, { ...req, inputs: [], contents: "" });
      }
    });

    it(`writes what protobufjs reads, and reads what protobufjs writes (${contents})`, () => {
      const outputs = sampleTensors([3]).filter((t) => contents === "raw" || (t.datatype !== "FP16" && t.datatype !== "BF16"));
      const res: InferResponse = { modelName: "m", modelVersion: "1", id: "7", outputs, contents };
      const bytes = responseCodec.encode(res);
      const viaProtobufjs = ResponseType.decode(bytes) as unknown as { raw_output_contents: Uint8Array[]; outputs: { name: string; shape: unknown[]; contents?: object }[] };
      assert.equal(viaProtobufjs.outputs.length, outputs.length);
      assert.equal(viaProtobufjs.raw_output_contents.length, contents === "raw" ? outputs.length : 0);
      assert.deepEqual(viaProtobufjs.outputs.map((o) => o.shape.map(Number)), outputs.map((t) => [...t.shape]));
      // protobufjs re-encodes its own reading: the bytes decode to the same tensors through ours
      const again = decodeInferResponse(ResponseType.encode(viaProtobufjs as unknown as protobuf.Message).finish(), limits);
      assert.deepEqual(plain(again.outputs), plain(outputs));
    });
  }

  it("reads unpacked repeated elements, merged contents fields and unknown fields", () => {
    const w = protobuf.Writer.create();
    w.uint32(0x0a).string("m");
    const t = protobuf.Writer.create();
    t.uint32(0x0a).string("x").uint32(0x12).string("INT64");
    t.uint32(0x18).int64(2).uint32(0x18).int64(2); // shape [2, 2], unpacked
    const c1 = protobuf.Writer.create().uint32(0x18).int64(-5).uint32(0x18).int64("9223372036854775807").finish(); // two unpacked int64
    const c2 = protobuf.Writer.create().uint32(0x1a).fork().int64(1).int64(0).ldelim().finish(); // two packed, in a second `contents`
    t.uint32(0x2a).bytes(c1).uint32(0x2a).bytes(c2);
    t.uint32((99 << 3) | 0).uint32(5); // an unknown field inside the tensor
    w.uint32(0x2a).bytes(t.finish());
    w.uint32((100 << 3) | 2).bytes(new Uint8Array([1, 2, 3])); // an unknown field in the request
    const req = decodeInferRequest(w.finish(), limits);
    assert.deepEqual(plain(req.inputs), [{ name: "x", datatype: "INT64", shape: [2, 2], data: [-5n, 9223372036854775807n, 1n, 0n], parameters: undefined }]);
    assert.equal(req.contents, "typed");
  });

  it("decodes raw fixed-size contents as views of the message when aligned, copies when not", () => {
    const t = sampleTensor("x", "FP32", [8]);
    const bytes = requestCodec.encode({ modelName: "m", inputs: [t] });
    for (const shift of [0, 1, 2, 3]) {
      const host = new Uint8Array(bytes.length + 8);
      host.set(bytes, shift);
      const view = host.subarray(shift, shift + bytes.length);
      const data = decodeInferRequest(view, limits).inputs[0]!.data as Float32Array;
      assert.deepEqual(Array.from(data), Array.from(t.data));
      const aligned = (view.byteOffset + bytes.length - 32) % 4 === 0;
      assert.equal(data.buffer === host.buffer, aligned, `shift ${shift}`);
    }
  });

  it("puts every raw contents entry 8-aligned in the message (padding peers skip), so that aligned receivers get views", () => {
    for (const n of [1, 3, 5, 8, 13]) {
      const inputs = [sampleTensor("a", "FP64", [n]), sampleTensor("b", "INT16", [n + 1]), sampleTensor("c", "BYTES", [2]), sampleTensor("d", "FP32", [n])];
      for (const [bytes, raw] of [
        [Buffer.from(requestCodec.encode({ modelName: "m", id: "x".repeat(n), inputs })), (RequestType.decode(requestCodec.encode({ modelName: "m", id: "x".repeat(n), inputs })) as unknown as { raw_input_contents: Buffer[] }).raw_input_contents],
        [Buffer.from(responseCodec.encode({ modelName: "m", outputs: inputs })), (ResponseType.decode(responseCodec.encode({ modelName: "m", outputs: inputs })) as unknown as { raw_output_contents: Buffer[] }).raw_output_contents],
      ] as const) {
        for (const entry of raw) assert.equal(bytes.indexOf(entry) % 8, 0, `n=${n}`); // each entry's bytes found where they start
      }
      const aligned = Buffer.from(responseCodec.encode({ modelName: "m", outputs: inputs })); // a fresh buffer: offset 0
      const back = decodeInferResponse(aligned, limits).outputs;
      for (const i of [0, 3]) assert.equal((back[i]!.data as Float64Array).buffer, aligned.buffer, `output ${i} is a view`);
    }
  });

  it("encodes int64 parameters and shapes as protobufjs does, and keeps the parameter kinds", () => {
    const req = request([sampleTensor("x", "INT32", [1, 2])], "raw");
    const ours = Buffer.from(requestCodec.encode(req));
    const theirs = RequestType.decode(ours) as unknown as { parameters: Record<string, Record<string, unknown>> };
    const kinds = Object.fromEntries(Object.entries(theirs.parameters).map(([k, v]) => [k, Object.keys(v).find((f) => f.endsWith("_param"))]));
    assert.deepEqual(kinds, { s: "string_param", b: "bool_param", i: "int64_param", big: "int64_param", u: "uint64_param", d: "double_param" });
    assert.equal(String(theirs.parameters["u"]!["uint64_param"]), "18446744073709551615");
  });

  it("keeps the JSON mapping of generic calls", () => {
    const req: InferRequest = { modelName: "m", inputs: [sampleTensor("x", "FP32", [2])] };
    const json = requestCodec.toJson!(req) as { modelName: string; rawInputContents: string[] };
    assert.equal(json.modelName, "m");
    assert.equal(json.rawInputContents.length, 1);
    assert.deepEqual(plain(requestCodec.fromJson!(json).inputs), plain(req.inputs));
  });

  describe("refuses", () => {
    const raw = (datatype: string, shape: number[], bytes: number[]) => {
      const w = RequestType.encode({ model_name: "m", inputs: [{ name: "x", datatype, shape }], raw_input_contents: [new Uint8Array(bytes)] }).finish();
      return () => decodeInferRequest(w, limits);
    };
    it("raw contents of the wrong length", () => assert.throws(raw("FP32", [2], [0, 0, 0, 0]), invalid(/have 4 bytes; shape \[2\] of FP32 needs 8/)));
    it("a BYTES length prefix past the end", () => assert.throws(raw("BYTES", [1], [9, 0, 0, 0, 1]), invalid(/length prefix of 9 bytes, past the end/)));
    it("bytes after the last BYTES element", () => assert.throws(raw("BYTES", [1], [0, 0, 0, 0, 7]), invalid(/1 bytes after its 1 elements/)));
    it("a shape whose element count overflows", () => assert.throws(raw("INT8", [2 ** 40, 2 ** 40], []), invalid(/more than/)));
    it("a negative dimension", () => assert.throws(raw("INT8", [-1], []), invalid(/bad dimension -1/)));
    it("a shape of more than 64 dimensions", () => assert.throws(raw("INT8", new Array(65).fill(1), [0]), invalid(/more than 64 dimensions/)));
    it("an unknown datatype", () => assert.throws(raw("FP8", [1], [0]), invalid(/datatype of input x "FP8" is not one of/)));
    it("a tensor over the size limit", () => {
      const small = resolveTensorLimits({ maxTensorBytes: 16 });
      const w = RequestType.encode({ model_name: "m", inputs: [{ name: "x", datatype: "FP32", shape: [5] }], raw_input_contents: [new Uint8Array(20)] }).finish();
      assert.throws(() => decodeInferRequest(w, small), invalid(/tensor x has more than 4 elements/));
    });
    it("more BYTES elements than allowed, before allocating them", () => {
      const few = resolveTensorLimits({ maxBytesElements: 3 });
      const w = RequestType.encode({ model_name: "m", inputs: [{ name: "x", datatype: "BYTES", shape: [4] }], raw_input_contents: [new Uint8Array(16)] }).finish();
      assert.throws(() => decodeInferRequest(w, few), invalid(/more than 3 elements/));
    });
    it("raw contents for some inputs only", () => {
      const w = RequestType.encode({ model_name: "m", inputs: [{ name: "a", datatype: "INT8", shape: [1] }, { name: "b", datatype: "INT8", shape: [1] }], raw_input_contents: [new Uint8Array(1)] }).finish();
      assert.throws(() => decodeInferRequest(w, limits), invalid(/2 inputs but 1 raw contents/));
    });
    it("typed contents of the wrong field, count or range, and FP16 as typed", () => {
      const typed = (datatype: string, shape: number[], contents: object) =>
        () => decodeInferRequest(RequestType.encode({ model_name: "m", inputs: [{ name: "x", datatype, shape, contents }] }).finish(), limits);
      assert.throws(typed("FP32", [2], { int_contents: [1, 2] }), invalid(/is FP32 but its contents hold int_contents; use fp32_contents/));
      assert.throws(typed("FP32", [3], { fp32_contents: [1, 2] }), invalid(/has 2 elements in fp32_contents; its shape needs 3/));
      assert.throws(typed("INT8", [1], { int_contents: [300] }), invalid(/is 300, out of the range of INT8/));
      assert.throws(typed("FP16", [1], { uint_contents: [1] }), invalid(/FP16, which has no typed contents/));
      assert.throws(typed("INT32", [1], {}), invalid(/has 0 elements in int_contents/));
    });
    it("too many tensors or parameters", () => {
      const few = resolveTensorLimits({ maxTensors: 2, maxParameters: 1 });
      const inputs = [1, 2, 3].map((i) => ({ name: `x${i}`, datatype: "INT8", shape: [0] }));
      assert.throws(() => decodeInferRequest(RequestType.encode({ inputs }).finish(), few), invalid(/more than 2 tensors/));
      const parameters = { a: { bool_param: true }, b: { bool_param: false } };
      assert.throws(() => decodeInferRequest(RequestType.encode({ parameters }).finish(), few), invalid(/more than 1 parameters/));
    });
    it("truncated and malformed messages, with INVALID_ARGUMENT and nothing but RpcErrors", () => {
      const good = requestCodec.encode(request(sampleTensors([2]), "typed"));
      let refused = 0;
      for (let cut = 1; cut < good.length; cut++) {
        try {
          decodeInferRequest(good.subarray(0, cut), limits); // a cut between two fields is a valid, shorter message
        } catch (e) {
          assert.ok(e instanceof RpcError && e.code === Code.InvalidArgument, String(e));
          refused++;
        }
      }
      assert.ok(refused > good.length / 2, `${refused} of ${good.length} cuts refused`);
      assert.throws(() => decodeInferRequest(new Uint8Array([0x00]), limits), invalid(/field number 0/));
      assert.throws(() => decodeInferRequest(new Uint8Array([0x0b]), limits), invalid(/wire type 3/));
      assert.throws(() => decodeInferRequest(new Uint8Array([0x2a, 0x05, 0x0a]), limits), invalid(/runs past the end/));
    });
  });

  it("covers every datatype", () => assert.equal(sampleTensors().length, DATATYPES.length));
});
