// The transformer: KServe V1 (`/v1/models/{m}:predict`) and OIP REST (`/v2/models/{m}/infer`
// with a BYTES input TEXT) on one HTTP port, each request pre-processed, sent to the predictor
// once and post-processed by the same pipeline.
import type { IncomingMessage } from "node:http";
import { Code, RpcError } from "weir";
import { createHttpServer } from "weir/http";
import { createGateway, type HandlerRoute } from "weir/gateway";
import { createModelRepository, createOipServer, defineModel, sendOipJson, type Model, type TensorSpec } from "weir/serving";
import { Pipeline, PIPELINE_MODELS, type PipelineModel, type PipelineOptions } from "./pipeline.js";
import { authority, predictorClient, type PredictorProtocol } from "./predictor-client.js";
import { listen } from "./predictor-server.js";
import { v1Route } from "./v1.js";

/** What {@link startTransformer} takes (the flags of transformer.ts). */
export interface TransformerOptions extends Omit<PipelineOptions, "client" | "predictor"> {
  readonly host: string;
  /** 0: a free port. */
  readonly httpPort: number;
  readonly predictorHost: string;
  readonly predictorPort: number;
  readonly protocol: PredictorProtocol;
}

export const TRANSFORMER_DEFAULTS = Object.freeze({
  /** Largest request body, V1 and V2 (a full batch of the longest texts fits). */
  maxBodyBytes: 1 << 20,
  /** Bytes all V2 requests hold at once (bodies and responses). */
  maxBufferedBytes: 64 << 20,
  /** Time the readiness check gives the predictor. */
  readyTimeoutMs: 2_000,
  shutdownGraceMs: 5_000,
});

export interface Transformer {
  readonly httpPort: number;
  readonly pipeline: Pipeline;
  close(): Promise<void>;
}

const OUTPUTS: Record<PipelineModel, TensorSpec[]> = {
  encoder: [{ name: "label", datatype: "INT64", shape: [-1] }, { name: "score", datatype: "FP32", shape: [-1] }, { name: "logits", datatype: "FP32", shape: [-1, -1] }],
  token_embedding: [{ name: "embedding", datatype: "FP32", shape: [-1, -1] }],
};

/** A pipeline as an OIP model: TEXT (BYTES [n], UTF-8) in, the post-processed tensors out. */
function pipelineModel(name: PipelineModel, pipeline: Pipeline, requestId: () => string): Model {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  return defineModel({ name, platform: "weir_transformer", inputs: [{ name: "TEXT", datatype: "BYTES", shape: [-1] }], outputs: OUTPUTS[name] }, async ([text], ctx) => {
    const release = pipeline.admit();
    try {
      const texts = (text!.data as readonly Uint8Array[]).map((b, i) => {
        try {
          return utf8.decode(b);
        } catch {
          throw new RpcError(Code.InvalidArgument, `TEXT element ${i} is not UTF-8`);
        }
      });
      return (await pipeline.run(name, texts, { signal: ctx.signal, requestId: requestId() })).outputs;
    } finally {
      release();
    }
  });
}

/** Start the transformer on `host:httpPort`, calling the predictor over `protocol`. */
export async function startTransformer(o: TransformerOptions): Promise<Transformer> {
  const predictor = authority(o.predictorHost, o.predictorPort);
  const pipelineOptions = { ...o, predictor, client: predictorClient(o.protocol, o.predictorHost, o.predictorPort, o.predictorTimeoutMs ?? 60_000) };
  const pipeline = new Pipeline(pipelineOptions);
  let sequence = 0;
  const nextId = (): string => String(++sequence);
  const requestId = (req: IncomingMessage): string => {
    const h = req.headers["x-request-id"];
    return typeof h === "string" && /^[\x21-\x7e]{1,64}$/.test(h) ? h : nextId(); // printable only: the id goes into a log line
  };
  const modelReady = (model: string): Promise<boolean> =>
    pipeline.o.client.modelReady(model, { timeoutMs: TRANSFORMER_DEFAULTS.readyTimeoutMs }).catch(() => false);
  const repository = createModelRepository({ models: PIPELINE_MODELS.map((m) => pipelineModel(m, pipeline, nextId)) });
  const oip = createOipServer({
    repository, name: "weir-transformer",
    defaultTimeoutMs: Math.ceil(pipeline.o.predictorTimeoutMs) + 1_000, // the predictor call's own deadline ends first, with its message
    rest: { maxBodyBytes: TRANSFORMER_DEFAULTS.maxBodyBytes, maxBufferedBytes: TRANSFORMER_DEFAULTS.maxBufferedBytes },
  });
  const ready: HandlerRoute = {
    path: "/v2/health/ready",
    methods: ["GET", "HEAD"],
    async handle(req, res) {
      const ok = (await Promise.all(PIPELINE_MODELS.map(modelReady))).every(Boolean);
      sendOipJson(req, res, ok ? 200 : 503, { ready: ok });
    },
  };
  // The repository extension stays off: a caller must not unload the transformer's models.
  const v2 = oip.routes.filter((r) => !r.path.startsWith("/v2/repository"));
  const gateway = createGateway({ routes: [v1Route({ pipeline, requestId, modelReady }), ready, ...v2], maxBodyBytes: TRANSFORMER_DEFAULTS.maxBodyBytes });
  const server = createHttpServer(gateway.handle);
  const close = async (): Promise<void> => {
    await gateway.close();
    const stragglers = setTimeout(() => server.closeAllConnections(), TRANSFORMER_DEFAULTS.shutdownGraceMs).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(stragglers);
    await Promise.all([pipeline.o.client.close(), repository.close()]);
  };
  try {
    return { httpPort: await listen(server, o.host, o.httpPort), pipeline, close };
  } catch (e) {
    await close();
    throw e;
  }
}
