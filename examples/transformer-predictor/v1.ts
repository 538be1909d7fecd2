// KServe's V1 data plane on the transformer: `POST /v1/models/{m}:predict` with
// `{"instances": ["text", …]}` → `{"predictions": […]}`, and `GET /v1/models/{m}` (readiness).
import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError } from "weir";
import type { GatewayContext, HandlerRoute } from "weir/gateway";
import { sendOipError, sendOipJson, type Tensor } from "weir/serving";
import { clip } from "./predictor-client.js";
import { isPipelineModel, type Pipeline, type PipelineResult } from "./pipeline.js";

/** The parameter that adds the token ids sent to the predictor to the response (`input_ids`, `attention_mask`). */
export const RETURN_TOKEN_IDS = "return_token_ids";

/** What the V1 routes need besides the pipeline: request ids for the log, the predictor's readiness. */
export interface V1Deps {
  readonly pipeline: Pipeline;
  requestId(req: IncomingMessage): string;
  modelReady(model: string): Promise<boolean>;
}

/** The V1 route: `{m}:predict` (POST) and `{m}` (GET) under `/v1/models/`. */
export function v1Route(deps: V1Deps): HandlerRoute {
  return {
    path: "/v1/models/:target",
    methods: ["*"],
    async handle(req, res, ctx) {
      try {
        const target = ctx.params["target"]!;
        const predict = target.endsWith(":predict");
        const model = predict ? target.slice(0, -":predict".length) : target;
        const method = predict ? "POST" : "GET";
        if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
          return sendOipJson(req, res, 405, { error: `${req.method} is not allowed here; use ${method}` }, { allow: method });
        }
        if (!isPipelineModel(model)) throw new RpcError(Code.NotFound, `no model ${clip(model, 100)}; this transformer serves encoder and token_embedding`);
        if (!predict) return sendOipJson(req, res, 200, { name: model, ready: await deps.modelReady(model) });
        await predictV1(deps, model, req, res, ctx);
      } catch (e) {
        sendOipError(req, res, e);
      }
    },
  };
}

async function predictV1(deps: V1Deps, model: "encoder" | "token_embedding", req: IncomingMessage, res: ServerResponse, ctx: GatewayContext): Promise<void> {
  const release = deps.pipeline.admit(); // before the body is read: a full transformer reads nothing
  try {
    const { instances, returnTokenIds } = v1Request(await ctx.readJson());
    const result = await deps.pipeline.run(model, instances, { signal: ctx.signal, requestId: deps.requestId(req) });
    if (res.destroyed) return;
    sendOipJson(req, res, 200, v1Response(model, result, returnTokenIds));
  } finally {
    release();
  }
}

/** `{"instances": [...], "parameters": {"return_token_ids": true}}`; INVALID_ARGUMENT otherwise. */
function v1Request(body: unknown): { instances: readonly unknown[]; returnTokenIds: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new RpcError(Code.InvalidArgument, 'the body must be a JSON object {"instances": ["text", …]}');
  const { instances, parameters } = body as { instances?: unknown; parameters?: unknown };
  if (!Array.isArray(instances)) throw new RpcError(Code.InvalidArgument, 'no instances: the body must be {"instances": ["text", …]}');
  if (parameters !== undefined && (typeof parameters !== "object" || parameters === null || Array.isArray(parameters))) {
    throw new RpcError(Code.InvalidArgument, "parameters must be a JSON object");
  }
  const flag = (parameters as Record<string, unknown> | undefined)?.[RETURN_TOKEN_IDS];
  if (flag !== undefined && typeof flag !== "boolean") throw new RpcError(Code.InvalidArgument, `parameters.${RETURN_TOKEN_IDS} must be true or false`);
  return { instances, returnTokenIds: flag === true };
}

/** encoder: `[{label, score, logits}]`; token_embedding: one vector per text. */
function v1Response(model: "encoder" | "token_embedding", r: PipelineResult, returnTokenIds: boolean): object {
  const out = (name: string): Tensor => r.outputs.find((t) => t.name === name)!;
  let predictions: unknown[];
  if (model === "encoder") {
    const label = out("label").data as BigInt64Array, score = out("score").data as Float32Array, logits = out("logits");
    const perText = rows(logits.data as Float32Array, logits.shape[1]!);
    predictions = Array.from(label, (l, i) => ({ label: Number(l), score: score[i]!, logits: perText[i] }));
  } else {
    const e = out("embedding");
    predictions = rows(e.data as Float32Array, e.shape[1]!);
  }
  if (!returnTokenIds) return { predictions };
  const { inputIds, attentionMask, seq } = r.tokens;
  return { predictions, input_ids: rows(Array.from(inputIds, Number), seq), attention_mask: rows(Array.from(attentionMask, Number), seq) };
}

function rows(data: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += width) out.push(Array.from({ length: width }, (_, j) => data[i + j]!));
  return out;
}
