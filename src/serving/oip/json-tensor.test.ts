// Tensor elements in REST JSON: every datatype both ways, nested and flat, 16-bit floats,
// 64-bit integers past 2^53, NaN and -0, and the elements refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { DATATYPES } from "../datatype.js";
import { bf16ToNumber, halfToNumber, numberToBf16, numberToHalf } from "./half.js";
import { dataFromJson, dataToJson, quoteLongIntegers } from "./json-tensor.js";
import { plainData, sampleTensor } from "./samples-fixture.js";

const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.rawMessage);
const parseExact = (text: string) => JSON.parse(quoteLongIntegers(text)) as unknown[];

/** `[a,b,c,d,e,f]` -> `[[a,b,c],[d,e,f]]` */
function nest(flat: unknown[], rows: number): unknown[][] {
  const cols = flat.length / rows;
  return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

describe("JSON tensor data", () => {
  for (const datatype of DATATYPES) {
    it(`${datatype}: written flat, read back flat and nested to the same elements`, () => {
      const t = sampleTensor("x", datatype, [2, 3]);
      const flat = parseExact(dataToJson("x", datatype, t.data));
      assert.equal(flat.length, 6);
      for (const data of [flat, nest(flat, 2)]) {
        const back = dataFromJson("input x", datatype, 6, data);
        assert.deepEqual(plainData({ ...t, data: back }), plainData(t));
      }
    });
  }

  it("writes 64-bit integers as exact JSON integers and reads them back exactly", () => {
    const text = dataToJson("x", "INT64", new BigInt64Array([-9223372036854775808n, 9007199254740993n, -1n]));
    assert.equal(text, "[-9223372036854775808,9007199254740993,-1]");
    assert.equal(dataToJson("x", "UINT64", new BigUint64Array([18446744073709551615n])), "[18446744073709551615]");
    assert.deepEqual(Array.from(dataFromJson("input x", "INT64", 2, ["9223372036854775807", 5]) as BigInt64Array), [9223372036854775807n, 5n]);
  });

  it("quotes long integer literals only outside strings and never floats", () => {
    const text = '{"id":"12345678901234567","a":[12345678901234567,-98765432109876543,0.10000000149011612,1e300,42]}';
    assert.equal(quoteLongIntegers(text), '{"id":"12345678901234567","a":["12345678901234567","-98765432109876543",0.10000000149011612,1e300,42]}');
  });

  it("writes NaN, infinities and -0 so that they come back", () => {
    const text = dataToJson("x", "FP64", new Float64Array([NaN, Infinity, -Infinity, -0, 1.5]));
    assert.equal(text, '["NaN","Infinity","-Infinity",-0.0,1.5]');
    const back = dataFromJson("input x", "FP64", 5, JSON.parse(text)) as Float64Array;
    assert.ok(Number.isNaN(back[0]) && back[1] === Infinity && back[2] === -Infinity && Object.is(back[3], -0) && back[4] === 1.5);
  });

  it("rounds numbers to the nearest FP16 and BF16, ties to even, and reads their bits back exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToNumber(h);
      if (!Number.isNaN(v)) assert.equal(numberToHalf(v), h, `fp16 0x${h.toString(16)}`);
      const b = bf16ToNumber(h);
      if (!Number.isNaN(b)) assert.equal(numberToBf16(b), h, `bf16 0x${h.toString(16)}`);
    }
    assert.equal(numberToHalf(1 + 2 ** -11), 0x3c00); // a tie: to the even mantissa
    assert.equal(numberToHalf(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(numberToHalf(65520), 0x7c00); // past the largest finite: infinity
    assert.equal(numberToHalf(2 ** -26), 0); // under half the smallest subnormal: zero
    assert.equal(numberToBf16(1 + 2 ** -8), 0x3f80);
    assert.equal(numberToHalf(NaN) & 0x7e00, 0x7e00);
  });

  describe("refuses", () => {
    const cases: [string, Parameters<typeof dataFromJson>[1], number, unknown, RegExp][] = [
      ["not an array", "FP32", 1, 5, /data of input x must be an array, got number 5/],
      ["too few elements", "FP32", 4, [1, 2, 3], /has 3 elements in its data; its shape needs 4/],
      ["too many, nested", "INT32", 2, [[1, 2], [3]], /has 3 elements/],
      ["a string for a number", "FP32", 1, ["1"], /element 0 of input x must be a number, got the string "1"/],
      ["a fraction for an integer", "INT32", 1, [1.5], /an integer from -2147483648 to 2147483647/],
      ["out of range", "UINT8", 2, [0, 256], /element 1 .* an integer from 0 to 255/],
      ["a negative UINT64", "UINT64", 1, [-5], /an integer from 0 to 2\^64 - 1/],
      ["a 64-bit string out of range", "INT64", 1, ["9223372036854775808"], /within ±2\^63/],
      ["a number for BOOL", "BOOL", 1, [1], /true or false/],
      ["a number for BYTES", "BYTES", 1, [1], /must be a string/],
      ["null", "FP64", 1, [null], /must be a number, got null/],
    ];
    for (const [what, datatype, n, data, re] of cases) it(what, () => assert.throws(() => dataFromJson("input x", datatype, n, data), invalid(re)));

    it("BYTES output that is not UTF-8 (it needs binary data)", () => {
      assert.throws(() => dataToJson("y", "BYTES", [new Uint8Array([0xff, 0xfe])]), invalid(/not UTF-8 text.*binary_data/));
    });
  });
});
