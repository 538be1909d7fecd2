import { defineModel, type Model } from "../repository/index.js";
import { DATATYPES, type Datatype } from "../datatype.js";
import { tensor, type Tensor } from "../tensor.js";

/**
 * Small models written in code, with no dependency: the protocol's usual add/sub example, a BYTES
 * model, and an identity model per datatype. They serve the examples, the tests and the
 * compliance checker (test/interop/oip), which exercises every endpoint and datatype with them.
 */

/**
 * `add_sub`: INPUT0 + INPUT1 -> OUTPUT0 and INPUT0 - INPUT1 -> OUTPUT1, four FP32 each.
 *
 * @example
 * // POST /v2/models/add_sub/infer
 * // {"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[4],"data":[1,2,3,4]},
 * //            {"name":"INPUT1","datatype":"FP32","shape":[4],"data":[4,3,2,1]}]}
 * // -> OUTPUT0 [5,5,5,5], OUTPUT1 [-3,-1,1,3]
 */
export function addSubModel(): Model {
  const spec = (name: string) => ({ name, datatype: "FP32" as const, shape: [4] });
  return defineModel(
    { name: "add_sub", inputs: [spec("INPUT0"), spec("INPUT1")], outputs: [spec("OUTPUT0"), spec("OUTPUT1")] },
    (inputs) => {
      const a = byName(inputs, "INPUT0").data as Float32Array, b = byName(inputs, "INPUT1").data as Float32Array;
      const sum = new Float32Array(4), diff = new Float32Array(4);
      for (let i = 0; i < 4; i++) {
        sum[i] = a[i]! + b[i]!;
        diff[i] = a[i]! - b[i]!;
      }
      return [tensor("OUTPUT0", "FP32", [4], sum), tensor("OUTPUT1", "FP32", [4], diff)];
    },
  );
}

/**
 * `string_ops`: INPUT0, BYTES of any length -> OUTPUT0, each element with ASCII letters upper-cased,
 * and OUTPUT1, each element's length in bytes (INT64).
 */
export function stringOpsModel(): Model {
  return defineModel(
    {
      name: "string_ops",
      inputs: [{ name: "INPUT0", datatype: "BYTES", shape: [-1] }],
      outputs: [{ name: "OUTPUT0", datatype: "BYTES", shape: [-1] }, { name: "OUTPUT1", datatype: "INT64", shape: [-1] }],
    },
    (inputs) => {
      const t = byName(inputs, "INPUT0");
      const items = t.data as readonly Uint8Array[];
      const upper = items.map((e) => e.map((c) => (c >= 0x61 && c <= 0x7a ? c - 32 : c)));
      const lengths = BigInt64Array.from(items, (e) => BigInt(e.length));
      return [tensor("OUTPUT0", "BYTES", t.shape, upper), tensor("OUTPUT1", "INT64", t.shape, lengths)];
    },
  );
}

/**
 * `identity_<datatype>` (e.g. `identity_fp16`): OUTPUT0 is INPUT0, of that datatype, any
 * number of elements, batches up to 8 (shape [batch, n]). The output is the input's own array: a
 * round trip through it shows what the wire did to every element.
 */
export function identityModel(datatype: Datatype): Model {
  return defineModel(
    {
      name: `identity_${datatype.toLowerCase()}`,
      maxBatchSize: 8,
      inputs: [{ name: "INPUT0", datatype, shape: [-1] }],
      outputs: [{ name: "OUTPUT0", datatype, shape: [-1] }],
    },
    (inputs) => {
      const t = byName(inputs, "INPUT0");
      return [{ name: "OUTPUT0", datatype: t.datatype, shape: t.shape, data: t.data }];
    },
  );
}

/** Every example model: add_sub, string_ops and one identity model per datatype. */
export function exampleModels(): Model[] {
  return [addSubModel(), stringOpsModel(), ...DATATYPES.map(identityModel)];
}

function byName(inputs: readonly Tensor[], name: string): Tensor {
  return inputs.find((t) => t.name === name)!;
}
