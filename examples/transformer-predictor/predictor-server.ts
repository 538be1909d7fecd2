// The predictor: a Weir OIP server (REST on an HTTP port, gRPC on another) serving the committed
// ONNX test models, or a model repository folder.
import { existsSync } from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "weir/grpc";
import { createHttpServer } from "weir/http";
import { createGateway } from "weir/gateway";
import { createModelRepository, createOipServer, loadOnnxModel, openModelRepository, type ModelRepository } from "weir/serving";

/** What {@link startPredictor} takes (the flags of predictor.ts). */
export interface PredictorOptions {
  readonly host: string;
  /** 0: a free port. */
  readonly httpPort: number;
  readonly grpcPort: number;
  /** A model repository folder instead of the test models. Default: test/models' token_embedding, encoder and mlp. */
  readonly modelRepository?: string;
  /** Where the test models' .onnx files are. Default {@link testModelsDir}(). */
  readonly testModelsDir?: string;
  /** Rows per run of the test models. Default 8. */
  readonly maxBatchSize?: number;
  /** Serve the test models through Weir's dynamic batcher. Default false. */
  readonly batching?: boolean;
  /** Largest gRPC message each way, and largest tensor. Default {@link PREDICTOR_DEFAULTS}. */
  readonly maxMessageBytes?: number;
}

/**
 * Defaults of the predictor. A token_embedding response of 8 × 128 × 384 FP32 is 1.5 MiB: the
 * message limit leaves room for far larger batches, and one connection (a transformer's) may hold
 * 128 MiB of responses its peer has not taken yet, some 80 such responses in flight.
 */
export const PREDICTOR_DEFAULTS = Object.freeze({
  maxBatchSize: 8,
  maxMessageBytes: 64 << 20,
  maxConnectionSendBufferBytes: 128 << 20,
  maxSendBufferBytes: 256 << 20,
  shutdownGraceMs: 5_000,
});

/** The models of the example: the committed test models. */
export const PREDICTOR_MODELS = ["token_embedding", "encoder", "mlp"] as const;

export interface Predictor {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly models: readonly string[];
  /** Stop taking requests, let running ones finish (up to the grace), free the models. */
  close(): Promise<void>;
}

/**
 * The committed test models' folder, `test/models/` of the repository this example runs in (from
 * its sources or from dist/): the example is run from a clone, where the models are.
 */
export function testModelsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "test", "models");
    if (existsSync(path.join(candidate, `${PREDICTOR_MODELS[0]}.onnx`))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no test/models/ with the ONNX test models above ${here}; pass --model-repository`);
  }
}

async function repositoryOf(o: PredictorOptions): Promise<ModelRepository> {
  if (o.modelRepository !== undefined) return openModelRepository({ path: o.modelRepository });
  const maxBatchSize = o.maxBatchSize ?? PREDICTOR_DEFAULTS.maxBatchSize;
  const dir = o.testModelsDir ?? testModelsDir();
  const models = await Promise.all(PREDICTOR_MODELS.map((name) => loadOnnxModel(path.join(dir, `${name}.onnx`), {
    name, maxBatchSize, ...(o.batching ? { dynamicBatching: {} } : {}),
  })));
  return createModelRepository({ models });
}

/** Start the predictor's two servers on `host`; resolves once both listen. */
export async function startPredictor(o: PredictorOptions): Promise<Predictor> {
  const maxMessageBytes = o.maxMessageBytes ?? PREDICTOR_DEFAULTS.maxMessageBytes;
  const repository = await repositoryOf(o);
  const oip = createOipServer({ repository, limits: { maxTensorBytes: maxMessageBytes } });
  const grpc = createServer({
    limits: { maxReceiveMessageBytes: maxMessageBytes, maxSendMessageBytes: maxMessageBytes },
    maxConnectionSendBufferBytes: PREDICTOR_DEFAULTS.maxConnectionSendBufferBytes,
    maxSendBufferBytes: PREDICTOR_DEFAULTS.maxSendBufferBytes,
    shutdownGraceMs: PREDICTOR_DEFAULTS.shutdownGraceMs,
  }).service(oip.service, oip.handlers);
  const gateway = createGateway({ routes: oip.routes });
  const server = createHttpServer(gateway.handle);
  try {
    const { port: grpcPort } = await grpc.listen({ host: o.host, port: o.grpcPort });
    const httpPort = await listen(server, o.host, o.httpPort);
    return {
      httpPort, grpcPort, models: repository.index().map((m) => m.name),
      async close() {
        await gateway.close();
        const stragglers = setTimeout(() => server.closeAllConnections(), PREDICTOR_DEFAULTS.shutdownGraceMs).unref();
        await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), grpc.close()]);
        clearTimeout(stragglers);
        await repository.close();
      },
    };
  } catch (e) {
    server.close();
    await grpc.close({ graceMs: 0 });
    await repository.close();
    throw e;
  }
}

/** Listen on `host:port`; resolves with the port, rejects when it cannot listen. */
export function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
