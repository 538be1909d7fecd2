// What the example's tests share: the predictor and transformers as child processes, HTTP calls
// with a bound, the token ids the transformer must send, and the mean the embedding must be.
import assert from "node:assert/strict";
import { cl100kTokenizer } from "weir/serving";
import type { PredictorProtocol } from "./predictor-client.js";
import { startChild, type ChildServer } from "./processes.js";

export const PROTOCOLS: readonly PredictorProtocol[] = ["v2", "v2-binary", "grpc-v2"];

/** Texts of every kind: short, long (past 128 tokens, so cut), non-ASCII, one character. */
export const TEXTS: readonly string[] = [
  "Weir serves models.",
  "The river runs to the sea, and yet the sea is never full; to the place the rivers come from, there they return.",
  "héllo wörld — ünïcode ✓ 🚀 日本語のテキスト",
  "A long text that the transformer has to cut at its maximum sequence length. ".repeat(40),
  "x",
];

/** The predictor, started with `args` (free ports unless given). */
export function startPredictorProcess(args: readonly string[] = []): Promise<ChildServer> {
  return startChild("predictor", ["--http-port", "0", "--grpc-port", "0", ...args]);
}

/** A transformer calling `predictor` (a child or a port) over `protocol`. */
export function startTransformerProcess(predictor: ChildServer | { http: number; grpc: number }, protocol: PredictorProtocol, args: readonly string[] = []): Promise<ChildServer> {
  const ports = "ports" in predictor ? predictor.ports : predictor;
  const port = protocol === "grpc-v2" ? ports["grpc"] : ports["http"];
  return startChild("transformer", ["--predictor-host", `127.0.0.1:${port}`, "--predictor-protocol", protocol, "--http-port", "0", ...args]);
}

export function baseUrl(server: ChildServer): string {
  return `http://127.0.0.1:${server.ports["http"]}`;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

/** One HTTP call, failing after `timeoutMs`; a JSON body is parsed (anything else fails the call). */
export async function call(url: string, o: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const res = await fetch(url, {
    method: o.method ?? (body === undefined ? "GET" : "POST"),
    body,
    headers: { "content-type": "application/json", ...o.headers },
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url}: status ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, json };
}

/** A refusal: `status` and `{"error": "<message>"}` with a message matching `message`. */
export function assertRefused(r: Reply, status: number, message: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body), ["error"], JSON.stringify(body));
  assert.match(String(body.error), message);
}

/** The `input_ids` and `attention_mask` rows the transformer must send for `texts`: cl100k tokens, cut or padded with 0 to `seq`. */
export function expectedTokens(texts: readonly string[], seq = 128): { input_ids: number[][]; attention_mask: number[][] } {
  const ids = texts.map((t) => cl100kTokenizer.encode(t).slice(0, seq));
  return {
    input_ids: ids.map((r) => Array.from({ length: seq }, (_, j) => r[j] ?? 0)),
    attention_mask: ids.map((r) => Array.from({ length: seq }, (_, j) => (j < r.length ? 1 : 0))),
  };
}

/** Per text, the mean of its token vectors ([n, seq, d] flat) over the mask, summed in token order in float64. */
export function maskedMean(vectors: Float32Array, mask: readonly (readonly number[])[], d: number): number[][] {
  return mask.map((row, i) => {
    const sum = new Float64Array(d);
    let count = 0;
    row.forEach((m, t) => {
      if (m === 0) return;
      count++;
      for (let j = 0; j < d; j++) sum[j]! += vectors[(i * row.length + t) * d + j]!;
    });
    return Array.from(sum, (s) => Math.fround(s / count));
  });
}

/** The bytes of `values` as FP32: equal bytes mean the same floats bit for bit. */
export function fp32Bytes(values: ArrayLike<number>): Buffer {
  return Buffer.from(Float32Array.from(values as ArrayLike<number>).buffer);
}
