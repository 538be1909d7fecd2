// REST inference bodies: JSON and the binary tensor extension, request and response, both ways,
// and every malformed body refused with INVALID_ARGUMENT.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { TENSOR_LIMIT_DEFAULTS, resolveTensorLimits } from "./limits.js";
import { decodeRestRequest, decodeRestResponse, encodeRestRequest, encodeRestResponse } from "./rest-codec.js";
import { plainData, sampleTensor, sampleTensors } from "./samples-fixture.js";
import type { Tensor } from "../tensor.js";
import type { InferRequest, InferResponse } from "./types.js";

const limits = TENSOR_LIMIT_DEFAULTS;
const target = { modelName: "m" };
const plain = (ts: readonly Tensor[]) => ts.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: plainData(t) }));
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.rawMessage);

/** What the client sends, as the server reads it. */
function roundTripRequest(request: InferRequest, binary: boolean): InferRequest {
  const body = encodeRestRequest(request, binary);
  const bytes = Buffer.concat([body.json, ...body.binary]);
  return decodeRestRequest(bytes, binary ? body.json.length : undefined, target, limits, 64);
}

describe("REST inference bodies", () => {
  for (const binary of [false, true]) {
    it(`request: every datatype ${binary ? "as binary data after the JSON" : "in JSON"}, id, parameters and outputs`, () => {
      const inputs = sampleTensors([2, 2]);
      const req: InferRequest = { modelName: "m", id: "req-1", parameters: { p: 1, q: "s" }, inputs, outputs: [{ name: "a" }] };
      const back = roundTripRequest(req, binary);
      assert.deepEqual(plain(back.inputs), plain(inputs));
      assert.equal(back.id, "req-1");
      assert.deepEqual(back.parameters, { p: 1, q: "s" });
      assert.deepEqual(back.outputs, [{ name: "a", ...(binary ? { parameters: { binary_data: true } } : {}) }]);
    });
  }

  it("request without outputs in binary asks for every output as binary", () => {
    const body = encodeRestRequest({ modelName: "m", inputs: [sampleTensor("x", "FP32", [2])] }, true);
    assert.match(body.json.toString(), /"parameters":\{"binary_data_output":true\}/);
  });

  it("response: outputs as binary where asked (per output, or all), JSON otherwise, binary data 8-aligned", () => {
    const outputs = sampleTensors([3]);
    const res: InferResponse = { modelName: "m", modelVersion: "1", id: "7", outputs };
    const asked: InferRequest = { modelName: "m", inputs: [], parameters: { binary_data_output: true }, outputs: [{ name: "in_fp32", parameters: { binary_data: false } }] };
    const body = encodeRestResponse(res, asked);
    assert.equal(body.json.length % 8, 0);
    assert.equal(body.binary.length, outputs.length - 1);
    const bytes = Buffer.concat([body.json, ...body.binary]);
    assert.equal(bytes.length, body.size);
    const back = decodeRestResponse(bytes, body.json.length, limits, 64);
    assert.deepEqual(plain(back.outputs), plain(outputs));
    assert.equal(back.id, "7");
    assert.equal(back.modelVersion, "1");
    const json = JSON.parse(body.json.toString()) as { outputs: { name: string; data?: unknown; parameters?: { binary_data_size?: number } }[] };
    assert.ok(json.outputs.find((o) => o.name === "in_fp32")!.data !== undefined);
    assert.equal(json.outputs.find((o) => o.name === "in_int16")!.parameters!.binary_data_size, 6);
  });

  it("response in JSON only: no padding, no binary", () => {
    const body = encodeRestResponse({ modelName: "m", outputs: [sampleTensor("o", "INT8", [2])] }, { modelName: "m", inputs: [] });
    assert.equal(body.binary.length, 0);
    assert.deepEqual(JSON.parse(body.json.toString()), { model_name: "m", outputs: [{ name: "o", datatype: "INT8", shape: [2], data: [-128, 127] }] });
  });

  describe("refuses", () => {
    const json = (o: unknown) => Buffer.from(JSON.stringify(o));
    const decode = (body: Buffer, headerLength?: number, l = limits) => () => decodeRestRequest(body, headerLength, target, l, 64);
    const input = (extra: object) => ({ inputs: [{ name: "x", datatype: "FP32", shape: [2], ...extra }] });
    it("malformed JSON", () => assert.throws(decode(Buffer.from('{"inputs": [')), invalid(/not valid JSON/)));
    it("JSON nested past the depth limit", () => assert.throws(decode(Buffer.from(`{"inputs":${"[".repeat(100)}`)), invalid(/nests deeper than 64/)));
    it("a body that is not an object", () => assert.throws(decode(json([1])), invalid(/must be a JSON object, got an array/)));
    it("no inputs", () => assert.throws(decode(json({})), invalid(/inputs must be an array/)));
    it("an unknown datatype", () => assert.throws(decode(json(input({ datatype: "FLOAT", data: [1, 2] }))), invalid(/"FLOAT" is not one of/)));
    it("a bad shape", () => assert.throws(decode(json(input({ shape: [-2], data: [] }))), invalid(/bad dimension: number -2/)));
    it("data count not matching the shape", () => assert.throws(decode(json(input({ data: [1, 2, 3] }))), invalid(/3 elements in its data; its shape needs 2/)));
    it("a shape whose element count overflows", () => assert.throws(decode(json(input({ shape: [2 ** 31, 2 ** 31], data: [] }))), invalid(/more than/)));
    it("a tensor over the size limit", () => assert.throws(decode(json(input({ data: [1, 2] })), undefined, resolveTensorLimits({ maxTensorBytes: 4 })), invalid(/more than 1 elements/)));
    it("more tensors, parameters, dimensions or BYTES elements than allowed", () => {
      const few = resolveTensorLimits({ maxTensors: 1, maxParameters: 1, maxBytesElements: 2 });
      assert.throws(decode(json({ inputs: [{}, {}] }), undefined, few), invalid(/the request's inputs: more than 1 tensors/));
      assert.throws(decode(json({ parameters: { a: 1, b: 2 }, inputs: [] }), undefined, few), invalid(/the request's parameters: more than 1 parameters/));
      assert.throws(decode(json(input({ shape: new Array(65).fill(1), data: [1] }))), invalid(/more than 64 dimensions/));
      assert.throws(decode(json({ inputs: [{ name: "s", datatype: "BYTES", shape: [3], data: ["a", "b", "c"] }] }), undefined, few), invalid(/tensor s has more than 2 elements/));
    });
    it("a non-string id", () => assert.throws(decode(json({ id: 5, inputs: [] })), invalid(/id must be a string/)));
    it("an object parameter", () => assert.throws(decode(json({ parameters: { a: {} }, inputs: [] })), invalid(/a must be a string, number or boolean/)));

    const withBinary = (header: object, binary: number[]) => {
      const head = json(header);
      return [Buffer.concat([head, Buffer.from(binary)]), head.length] as const;
    };
    it("a header length past the body", () => {
      const [body] = withBinary(input({ parameters: { binary_data_size: 8 } }), [0, 0, 0, 0, 0, 0, 0, 0]);
      assert.throws(decode(body, body.length + 1), invalid(/Inference-Header-Content-Length is \d+ but the body has \d+ bytes/));
    });
    it("binary data sizes past the body", () => {
      const [body, h] = withBinary(input({ parameters: { binary_data_size: 8 } }), [0, 0, 0, 0]);
      assert.throws(decode(body, h), invalid(/binary_data_size of input x is 8 bytes, past the end of the body \(4 bytes left\)/));
    });
    it("binary data left over", () => {
      const [body, h] = withBinary(input({ parameters: { binary_data_size: 8 } }), [...new Array(12).fill(0)]);
      assert.throws(decode(body, h), invalid(/12 bytes of binary data but the inputs' binary_data_size add up to 8/));
    });
    it("binary data of the wrong length for the shape", () => {
      const [body, h] = withBinary(input({ parameters: { binary_data_size: 4 } }), [0, 0, 0, 0]);
      assert.throws(decode(body, h), invalid(/have 4 bytes; shape \[2\] of FP32 needs 8/));
    });
    it("BYTES with a length prefix past the end", () => {
      const [body, h] = withBinary({ inputs: [{ name: "x", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 6 } }] }, [200, 0, 0, 0, 65, 66]);
      assert.throws(decode(body, h), invalid(/length prefix of 200 bytes, past the end/));
    });
    it("binary_data_size without the header", () => assert.throws(decode(json(input({ parameters: { binary_data_size: 8 } }))), invalid(/no Inference-Header-Content-Length header/)));
    it("both data and binary_data_size", () => {
      const [body, h] = withBinary(input({ data: [1, 2], parameters: { binary_data_size: 8 } }), new Array(8).fill(0));
      assert.throws(decode(body, h), invalid(/both data and binary_data_size/));
    });
  });
});
