import { stat } from "node:fs/promises";
import path from "node:path";
import { abortReason, Code, RpcError } from "../../../core/index.js";
import type { Tensor } from "../../tensor.js";
import { checkModelConfig, type InferContext, type Model, type ModelConfig } from "../../model.js";
import { checkInputs, sameSizes, type SameSize } from "./check.js";
import { resolveOnnxModelOptions, type OnnxModelOptions, type ResolvedOnnxModelOptions } from "./options.js";
import { loadOnnxRuntime, type OrtModule, type OrtSession, type OrtTensor } from "./runtime.js";
import { readSignature, specOf, type Port, type Signature } from "./signature.js";
import { fromOrtTensor, toOrtTensor } from "./tensors.js";

/** The platform name of ONNX models in configs and metadata (Triton's). */
export const ONNX_PLATFORM = "onnxruntime_onnx";

/**
 * Load an ONNX file into ONNX Runtime (the optional package onnxruntime-node, imported now) and
 * serve it as a `Model`: its inputs and outputs, datatypes and shapes come from the file; when
 * every tensor has a leading dimension of any size, that dimension is the batch.
 *
 * Errors: NOT_FOUND (no file), RESOURCE_EXHAUSTED (file over `maxModelBytes`), INVALID_ARGUMENT
 * (not a model ONNX Runtime loads, a tensor type the protocol cannot carry, options that do not
 * fit the model), FAILED_PRECONDITION (onnxruntime-node not installed, with how to install it).
 *
 * @example
 * const mlp = await loadOnnxModel("test/models/mlp.onnx", { name: "mlp", maxBatchSize: 16 });
 * const [out] = await mlp.infer([tensor("input", "FP32", [1, 256], new Float32Array(256))], ctx);
 * await mlp.close();
 */
export async function loadOnnxModel(file: string, options: OnnxModelOptions = {}): Promise<Model> {
  const o = resolveOnnxModelOptions(options);
  await checkFile(file, o.maxModelBytes);
  const ort = await loadOnnxRuntime();
  const session = await createSession(ort, file, o);
  try {
    const name = options.name ?? path.basename(file).replace(/\.onnx$/i, "");
    const sig = readSignature(name, session, options);
    const config = checkModelConfig({
      name,
      version: options.version ?? "1",
      platform: ONNX_PLATFORM,
      inputs: sig.inputs.map((p) => specOf(p, sig.maxBatchSize)),
      outputs: sig.outputs.map((p) => specOf(p, sig.maxBatchSize)),
      maxBatchSize: sig.maxBatchSize,
      ...(options.dynamicBatching === undefined ? {} : { dynamicBatching: options.dynamicBatching }),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
    });
    return new OnnxModel(ort, session, sig, Object.freeze(config));
  } catch (e) {
    await session.release();
    throw e;
  }
}

/**
 * The loader of `.onnx` files, for a repository's loader registry (by platform).
 * `load(file, config)`: the config's fields (name, version, maxBatchSize, dynamicBatching, inputs,
 * outputs, parameters) and the engine's (`OnnxModelOptions`) as `loadOnnxModel` takes them.
 */
export const onnxLoader = Object.freeze({
  platform: ONNX_PLATFORM,
  canLoad: (file: string): boolean => file.endsWith(".onnx"),
  load: (file: string, config: OnnxModelOptions = {}): Promise<Model> => loadOnnxModel(file, config),
});

async function checkFile(file: string, maxBytes: number): Promise<void> {
  const s = await stat(file).catch((e: unknown) => {
    throw new RpcError(Code.NotFound, `no ONNX model file at ${file}`, { cause: e });
  });
  if (!s.isFile()) throw new RpcError(Code.InvalidArgument, `${file} is not a file`);
  if (s.size > maxBytes) throw new RpcError(Code.ResourceExhausted, `ONNX model file ${file} is ${s.size} bytes, more than maxModelBytes ${maxBytes}`);
}

async function createSession(ort: OrtModule, file: string, o: ResolvedOnnxModelOptions): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(file, {
      intraOpNumThreads: o.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: o.graphOptimizationLevel,
      // A run's error reaches its caller as an RpcError; ONNX Runtime's own log of it would let
      // clients with bad inputs fill the server's stderr.
      logSeverityLevel: 4,
      extra: { session: { "intra_op.allow_spinning": o.allowSpinning ? "1" : "0" } },
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const hint = /Unsupported data type/.test(message) ? " (a tensor element type ONNX Runtime for Node.js cannot pass: 16 is bfloat16, 14 and 15 complex, 17 to 20 float8)" : "";
    throw new RpcError(Code.InvalidArgument, `ONNX Runtime could not load ${file}: ${message}${hint}`, { cause: e });
  }
}

/**
 * A model on an ONNX Runtime session. Inputs are handed to ONNX Runtime as the typed arrays they
 * are, outputs come back as the typed arrays it made. A run is not interrupted once started
 * (ONNX Runtime for Node.js runs it to the end on the calling thread): `ctx.signal` is checked
 * before it starts.
 */
class OnnxModel implements Model {
  private session: OrtSession | undefined;
  private readonly pairs: readonly SameSize[];
  private readonly outputPorts: ReadonlyMap<string, Port>;
  private readonly allOutputs: readonly string[];
  private running = 0;
  private idle: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly ort: OrtModule, session: OrtSession, private readonly sig: Signature, readonly config: ModelConfig) {
    this.session = session;
    this.pairs = sameSizes(sig);
    this.outputPorts = new Map(sig.outputs.map((p) => [p.name, p]));
    this.allOutputs = sig.outputs.map((p) => p.name);
  }

  async infer(inputs: readonly Tensor[], ctx: InferContext): Promise<readonly Tensor[]> {
    const session = this.session;
    if (session === undefined) throw new RpcError(Code.Unavailable, `model ${this.config.name} is unloaded`);
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const ordered = checkInputs(this.config.name, this.sig, this.pairs, inputs);
    const fetches = this.fetches(ctx.outputs);
    const feeds: Record<string, OrtTensor> = {};
    for (let i = 0; i < ordered.length; i++) feeds[this.sig.inputs[i]!.name] = toOrtTensor(this.ort, ordered[i]!, this.sig.inputs[i]!.ortType);
    this.running++;
    let results: Record<string, OrtTensor>;
    try {
      results = await session.run(feeds, fetches);
    } catch (e) {
      // The inputs passed every check the model's metadata allows, so what is left is their values
      // or sizes the graph refuses (an index past a table, a sequence past the positions it knows).
      throw new RpcError(Code.InvalidArgument, `model ${this.config.name} could not run on these inputs: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      if (--this.running === 0) this.idle?.();
    }
    return fetches.map((name) => fromOrtTensor(name, this.outputPorts.get(name)!.datatype, results[name]!));
  }

  /** Unload: new calls get UNAVAILABLE; runs already started finish (they cannot be stopped), then the session is freed. */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    const session = this.session!;
    this.session = undefined;
    // No timeout: a run started cannot be stopped, and each ends after its bounded compute.
    if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await session.release();
  }

  private fetches(asked: readonly string[] | undefined): readonly string[] {
    if (asked === undefined || asked.length === 0) return this.allOutputs;
    for (const name of asked) {
      if (!this.outputPorts.has(name)) throw new RpcError(Code.InvalidArgument, `model ${this.config.name} has no output ${name.slice(0, 64)}; it gives ${this.allOutputs.join(", ")}`);
    }
    return asked;
  }
}
