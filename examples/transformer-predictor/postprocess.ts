// Post-processing of the predictor's outputs: the encoder's logits to a label and its probability,
// the token embeddings to one vector per text (their mean over the attention mask).
import { Code, RpcError } from "weir";
import { tensor, type Tensor } from "weir/serving";

/** The token ids of a batch of texts, padded to one length: INT64 [n, seq] each. */
export interface Tokens {
  readonly n: number;
  readonly seq: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

/** The predictor's output answered something other than FP32 [n, …] of the expected rank. */
function checkOutput(t: Tensor, model: string, shape: readonly number[]): Float32Array {
  const fits = t.datatype === "FP32" && t.shape.length === shape.length && shape.every((d, i) => d === -1 || t.shape[i] === d) && t.shape.every((d) => d > 0);
  if (!fits) {
    const want = `FP32 [${shape.map((d) => (d === -1 ? "*" : d)).join(", ")}]`;
    throw new RpcError(Code.Internal, `the predictor's model ${model} answered ${t.name} as ${t.datatype} [${t.shape.join(", ")}], not ${want}`);
  }
  return t.data as Float32Array;
}

/**
 * `label` INT64 [n] (the index of the largest logit, the first one on a tie), `score` FP32 [n]
 * (its softmax probability) and `logits` FP32 [n, k] as the predictor gave them.
 */
export function classify(logits: Tensor, tokens: Tokens): Tensor[] {
  const data = checkOutput(logits, "encoder", [tokens.n, -1]);
  const k = logits.shape[1]!;
  const label = new BigInt64Array(tokens.n);
  const score = new Float32Array(tokens.n);
  for (let i = 0; i < tokens.n; i++) {
    const row = data.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j]! > row[best]!) best = j;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(row[j]! - row[best]!);
    label[i] = BigInt(best);
    score[i] = 1 / sum; // exp(0) / Σ exp(l_j − l_max)
  }
  return [tensor("label", "INT64", [tokens.n], label), tensor("score", "FP32", [tokens.n], score), tensor("logits", "FP32", [tokens.n, k], data)];
}

/**
 * `embedding` FP32 [n, d]: per text, the mean of its token vectors where the attention mask is 1
 * (summed in float64 in token order, then rounded to FP32).
 */
export function meanPool(embeddings: Tensor, tokens: Tokens): Tensor[] {
  const data = checkOutput(embeddings, "token_embedding", [tokens.n, tokens.seq, -1]);
  const d = embeddings.shape[2]!;
  const out = new Float32Array(tokens.n * d);
  const sum = new Float64Array(d);
  for (let i = 0; i < tokens.n; i++) {
    sum.fill(0);
    let count = 0;
    for (let t = 0; t < tokens.seq; t++) {
      if (tokens.attentionMask[i * tokens.seq + t] === 0n) continue;
      count++;
      const v = data.subarray((i * tokens.seq + t) * d, (i * tokens.seq + t + 1) * d);
      for (let j = 0; j < d; j++) sum[j]! += v[j]!;
    }
    for (let j = 0; j < d; j++) out[i * d + j] = count === 0 ? 0 : sum[j]! / count;
  }
  return [tensor("embedding", "FP32", [tokens.n, d], out)];
}
