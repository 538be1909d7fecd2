// KServe's transformer: preprocess (texts to token ids) → predict (one call to the predictor) →
// postprocess (logits to a label, token vectors to one embedding), timed per stage.
import { performance } from "node:perf_hooks";
import { Code, Metadata, RpcError } from "weir";
import { cl100kTokenizer, tensor, type InferResponse, type OipClient, type Tensor, type Tokenizer } from "weir/serving";
import { classify, meanPool, type Tokens } from "./postprocess.js";
import { predictorError } from "./predictor-client.js";

/** The predictor's models the transformer knows how to pre- and post-process. */
export const PIPELINE_MODELS = ["encoder", "token_embedding"] as const;
export type PipelineModel = (typeof PIPELINE_MODELS)[number];

export function isPipelineModel(s: string): s is PipelineModel {
  return (PIPELINE_MODELS as readonly string[]).includes(s);
}

/** Options of {@link Pipeline}; the defaults are in {@link PIPELINE_DEFAULTS}. */
export interface PipelineOptions {
  readonly client: OipClient;
  /** The predictor's address, for messages. */
  readonly predictor: string;
  /** Tokens per text sent to the predictor: shorter texts are padded, longer ones cut. */
  readonly maxSeqLen?: number;
  /** Texts per request. */
  readonly maxInstances?: number;
  /** Characters per text. */
  readonly maxTextChars?: number;
  /** Requests in the pipeline at once; one more is refused (429, `Retry-After: 1`). */
  readonly maxInFlight?: number;
  /** Deadline of the predictor call, in ms. */
  readonly predictorTimeoutMs?: number;
  /** Where the latency line of each request goes; undefined: no latency logging. */
  readonly log?: (line: string) => void;
  readonly tokenizer?: Tokenizer;
}

export const PIPELINE_DEFAULTS = Object.freeze({
  maxSeqLen: 128,
  maxInstances: 8,
  maxTextChars: 16_384,
  maxInFlight: 64,
  predictorTimeoutMs: 60_000,
});

/** What one request went through: the token ids sent and the outputs made of the answer. */
export interface PipelineResult {
  readonly tokens: Tokens;
  readonly outputs: readonly Tensor[];
}

export class Pipeline {
  readonly o: Required<Omit<PipelineOptions, "log">> & Pick<PipelineOptions, "log">;
  private inFlight = 0;

  constructor(options: PipelineOptions) {
    this.o = { ...PIPELINE_DEFAULTS, tokenizer: cl100kTokenizer, ...options };
  }

  /** Take a place among the requests in flight; RESOURCE_EXHAUSTED (429) when there is none. Call the result once when done. */
  admit(): () => void {
    if (this.inFlight >= this.o.maxInFlight) {
      throw new RpcError(Code.ResourceExhausted, `the transformer has ${this.inFlight} requests in flight, its limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    this.inFlight++;
    let done = false;
    return () => {
      if (!done) this.inFlight--;
      done = true;
    };
  }

  /** Pre-process `texts`, call the predictor's `model`, post-process; logs the three stages' times. */
  async run(model: PipelineModel, texts: readonly unknown[], o: { signal: AbortSignal; requestId: string }): Promise<PipelineResult> {
    const t0 = performance.now();
    const tokens = await this.preprocess(texts, o.signal);
    const t1 = performance.now();
    const answer = await this.predict(model, tokens, o.signal);
    const t2 = performance.now();
    const outputs = model === "encoder" ? classify(answer, tokens) : meanPool(answer, tokens);
    const t3 = performance.now();
    this.o.log?.(`requestId: ${o.requestId}, model: ${model}, instances: ${tokens.n}, preprocess_ms: ${ms(t1 - t0)}, predict_ms: ${ms(t2 - t1)}, postprocess_ms: ${ms(t3 - t2)}`);
    return { tokens, outputs };
  }

  /** Every text to `maxSeqLen` cl100k token ids (cut or padded with 0) and its attention mask; INVALID_ARGUMENT for a bad batch. */
  async preprocess(texts: readonly unknown[], signal: AbortSignal): Promise<Tokens> {
    const { maxInstances, maxTextChars, maxSeqLen: seq } = this.o;
    if (texts.length === 0) throw new RpcError(Code.InvalidArgument, "no instances: give 1 to " + maxInstances + " texts");
    if (texts.length > maxInstances) throw new RpcError(Code.InvalidArgument, `${texts.length} instances, more than the limit of ${maxInstances}`);
    texts.forEach((t, i) => {
      if (typeof t !== "string") throw new RpcError(Code.InvalidArgument, `instance ${i} is ${t === null ? "null" : typeof t}, not a string`);
      if (t.length === 0) throw new RpcError(Code.InvalidArgument, `instance ${i} is an empty string`);
      if (t.length > maxTextChars) throw new RpcError(Code.InvalidArgument, `instance ${i} has ${t.length} characters, more than the limit of ${maxTextChars}`);
    });
    const n = texts.length;
    const inputIds = new BigInt64Array(n * seq);
    const attentionMask = new BigInt64Array(n * seq);
    for (let i = 0; i < n; i++) {
      // Slices with a turn of the event loop between them; stops once past `seq` tokens.
      const ids = await this.o.tokenizer.encodeInSlices(texts[i] as string, { maxTokens: seq, signal });
      for (let j = 0; j < Math.min(ids.length, seq); j++) {
        inputIds[i * seq + j] = BigInt(ids[j]!);
        attentionMask[i * seq + j] = 1n;
      }
    }
    return { n, seq, inputIds, attentionMask };
  }

  private async predict(model: PipelineModel, t: Tokens, signal: AbortSignal): Promise<Tensor> {
    const inputs = [tensor("input_ids", "INT64", [t.n, t.seq], t.inputIds)];
    if (model === "encoder") inputs.push(tensor("attention_mask", "INT64", [t.n, t.seq], t.attentionMask));
    const output = model === "encoder" ? "logits" : "embeddings";
    let response: InferResponse;
    try {
      response = await this.o.client.infer(model, inputs, { outputs: [output], signal, timeoutMs: this.o.predictorTimeoutMs });
    } catch (e) {
      throw predictorError(e, this.o.predictor, model);
    }
    const answer = response.outputs.find((x) => x.name === output);
    if (answer === undefined) throw new RpcError(Code.Internal, `the predictor's model ${model} answered without its output ${output}`);
    return answer;
  }
}

function ms(x: number): string {
  return x.toFixed(3);
}
