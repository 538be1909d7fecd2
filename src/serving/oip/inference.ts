import { Code, RpcError, clip, createCallScope, type CallScope } from "../../core/index.js";
import type { InferContext, Model } from "../repository/index.js";
import { checkInputs, checkRequestedOutputs, selectOutputs } from "./check.js";
import type { ResolvedOipServerOptions } from "./options.js";
import type { Parameters, Tensor } from "../tensor.js";
import type { InferRequest, InferResponse, ModelMetadata, RepositoryIndexEntry, ServerMetadata, TensorMetadata } from "./types.js";

/** The protocol extensions the server implements, as it reports them in its metadata. */
export const EXTENSIONS: readonly string[] = Object.freeze(["binary_tensor_data", "model_repository"]);

/** How one inference is bounded: the caller's signal (disconnect, cancel) and its deadline. */
export interface InferCallOptions {
  /** Aborts the model's signal, and ends the call with its reason even if the model goes on. */
  readonly signal?: AbortSignal;
  /**
   * The caller's signal, asked for only when the model reads `ctx.signal`: a caller that ends the
   * call by itself on cancel and deadline (the gRPC server does) then costs no AbortSignal for
   * the models that never look at it.
   */
  readonly lazySignal?: () => AbortSignal;
  /** The call's own timeout; without one, the server's `defaultTimeoutMs`. */
  readonly timeoutMs?: number;
}

/**
 * The protocol's semantics, once, for REST and gRPC: health, metadata, the repository extension,
 * and inference (find the model, check the request against its config, run it under the call's
 * signal and deadline, keep the outputs asked for).
 * @internal
 */
export class InferenceCore {
  constructor(readonly options: ResolvedOipServerOptions) {}

  /** Live as long as it answers. */
  live(): boolean {
    return true;
  }

  ready(): boolean {
    return this.options.repository.allReady();
  }

  /** Whether the model is ready; NOT_FOUND for a model or version the repository does not know. */
  modelReady(name: string, version?: string): boolean {
    this.knownModel(name, version);
    return this.options.repository.isReady(name, version || undefined);
  }

  serverMetadata(): ServerMetadata {
    return { name: this.options.name, version: this.options.version, extensions: EXTENSIONS };
  }

  modelMetadata(name: string, version?: string): ModelMetadata {
    const { config } = this.findModel(name, version);
    const batch = (config.maxBatchSize ?? 0) > 0;
    const meta = (specs: typeof config.inputs): TensorMetadata[] =>
      specs.map((s) => ({ name: s.name, datatype: s.datatype, shape: batch ? [-1, ...s.shape] : [...s.shape] }));
    const versions = this.options.repository.index().filter((e) => e.name === name && e.version !== "").map((e) => e.version);
    const out: ModelMetadata = { name, versions, platform: config.platform ?? "weir", inputs: meta(config.inputs), outputs: meta(config.outputs) };
    return config.parameters === undefined ? out : { ...out, properties: config.parameters };
  }

  index(readyOnly = false): RepositoryIndexEntry[] {
    const all = this.options.repository.index();
    return (readyOnly ? all.filter((e) => e.state === "READY") : all).map((e) => ({ name: e.name, version: e.version, state: e.state, reason: e.reason }));
  }

  /** Load (or reload) a model; parameters (Triton's `config`, `file:…`) are not supported. */
  async load(name: string, parameters?: Readonly<Record<string, unknown>>): Promise<void> {
    const keys = Object.keys(parameters ?? {});
    if (keys.length > 0) throw new RpcError(Code.InvalidArgument, `load parameters are not supported (got ${clip(keys.join(", "), 100)}): models load from their source`);
    await this.options.repository.load(name);
  }

  async unload(name: string): Promise<void> {
    await this.options.repository.unload(name);
  }

  /**
   * Run one inference. NOT_FOUND for an unknown model or version, UNAVAILABLE for one not ready,
   * INVALID_ARGUMENT for inputs or outputs that do not match its config, the call's reason
   * (CANCELLED, DEADLINE_EXCEEDED) when it ends first, and the model's own error otherwise.
   */
  async infer(request: InferRequest, call: InferCallOptions = {}): Promise<InferResponse> {
    const model = this.findModel(request.modelName, request.modelVersion);
    const { config } = model;
    checkInputs(config, request.inputs);
    const wanted = checkRequestedOutputs(config, request.outputs);
    const scope = createCallScope({ signal: call.signal, timeoutMs: call.timeoutMs ?? this.options.defaultTimeoutMs });
    const link = call.lazySignal === undefined ? undefined : new LazyLink(scope, call.lazySignal);
    try {
      const produced = await runModel(model, request.inputs, contextOf(scope, link, request.parameters ?? {}, wanted), scope);
      const out: InferResponse = { modelName: config.name, modelVersion: config.version ?? "1", outputs: selectOutputs(config, wanted, produced) };
      return request.id === undefined || request.id === "" ? out : { ...out, id: request.id };
    } finally {
      link?.dispose();
      scope.dispose();
    }
  }

  /** The ready model `name` (at `version`, or its highest); NOT_FOUND or UNAVAILABLE otherwise. */
  findModel(name: string, version: string | undefined): Model {
    if (typeof name !== "string" || name === "") throw new RpcError(Code.InvalidArgument, "a model name is required");
    return this.options.repository.get(name, version || undefined);
  }

  /** NOT_FOUND unless the repository knows the model (and version), ready or not. */
  private knownModel(name: string, version: string | undefined): void {
    if (typeof name !== "string" || name === "") throw new RpcError(Code.InvalidArgument, "a model name is required");
    const entries = this.options.repository.index().filter((e) => e.name === name);
    if (entries.length === 0) throw new RpcError(Code.NotFound, `no model named ${clip(name, 128)}`);
    if (version && !entries.some((e) => e.version === version)) throw new RpcError(Code.NotFound, `model ${name} has no version ${clip(version, 64)}`);
  }
}

/**
 * The model's outputs, or the scope's reason as soon as it aborts: a model that ignores its
 * signal still leaves its caller answered on time (its late result is dropped).
 */
function runModel(model: Model, inputs: readonly Tensor[], ctx: InferContext, scope: CallScope): Promise<readonly Tensor[]> {
  if (scope.reason !== undefined) return Promise.reject(scope.reason);
  let running: Promise<readonly Tensor[]>;
  try {
    running = Promise.resolve(model.infer(inputs, ctx));
  } catch (e) {
    return Promise.reject(modelError(model, e));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (reason: RpcError): void => reject(reason);
    scope.onAbort(onAbort);
    running.then(
      (v) => {
        scope.offAbort(onAbort);
        resolve(v);
      },
      (e: unknown) => {
        scope.offAbort(onAbort);
        reject(scope.reason ?? modelError(model, e));
      },
    );
  });
}

/** The model's context; its signal (the scope's, joined to the caller's) is made when the model reads it. */
function contextOf(scope: CallScope, link: LazyLink | undefined, parameters: Parameters, outputs: readonly string[] | undefined): InferContext {
  return {
    parameters,
    outputs,
    get signal(): AbortSignal {
      link?.connect();
      return scope.signal;
    },
  };
}

/** The caller's lazy signal, joined to the scope on first use. */
class LazyLink {
  private parent: AbortSignal | undefined;
  constructor(private readonly scope: CallScope, private readonly get: () => AbortSignal) {}

  connect(): void {
    if (this.parent !== undefined) return;
    const parent = (this.parent = this.get());
    if (parent.aborted) this.handleEvent();
    else parent.addEventListener("abort", this, { once: true });
  }

  handleEvent(): void {
    this.scope.abort(RpcError.from(this.parent?.reason, Code.Canceled));
  }

  dispose(): void {
    this.parent?.removeEventListener("abort", this);
  }
}

function modelError(model: Model, e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(Code.Internal, `model ${model.config.name} failed: ${clip(e instanceof Error ? e.message : String(e), 500)}`, { cause: e });
}
