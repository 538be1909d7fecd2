import { Code, RpcError } from "../../../core/index.js";

// The part of onnxruntime-node (>= 1.22) that Weir uses, written out here so that Weir compiles,
// and its published types stay whole, where the optional package is not installed.

/** An ONNX Runtime element type name. */
export type OrtType =
  | "float32" | "float64" | "float16" | "int8" | "int16" | "int32" | "int64"
  | "uint8" | "uint16" | "uint32" | "uint64" | "bool" | "string" | "uint4" | "int4";

export type OrtData =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | string[];

export interface OrtTensor {
  readonly type: OrtType;
  readonly dims: readonly number[];
  readonly data: OrtData;
}

export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: OrtType;
  /** Numbers for fixed dimensions, strings for symbolic ones ("" when unnamed). */
  readonly shape?: readonly (number | string)[];
}

export interface OrtSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: "sequential" | "parallel";
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /** 0 verbose, 1 info, 2 warning, 3 error, 4 fatal. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  extra?: Record<string, Record<string, string>>;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  readonly InferenceSession: { create(path: string, options: OrtSessionOptions): Promise<OrtSession> };
  readonly Tensor: new (type: OrtType, data: OrtData, dims: readonly number[]) => OrtTensor;
}

export const INSTALL_HINT =
  "npm install onnxruntime-node (put the line onnxruntime-node-install=skip in the project's .npmrc, or set ONNXRUNTIME_NODE_INSTALL=skip, so that its install script does not download GPU binaries)";

let loaded: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node, imported on first use: Weir runs without it until an ONNX model is loaded.
 * FAILED_PRECONDITION saying how to install it when it is absent or its native binary does not load.
 */
export function loadOnnxRuntime(): Promise<OrtModule> {
  loaded ??= importRuntime().catch((e: unknown) => {
    loaded = undefined; // installed later, it loads on the next try
    throw e;
  });
  return loaded;
}

async function importRuntime(): Promise<OrtModule> {
  let mod: { default?: OrtModule } & Partial<OrtModule>;
  try {
    mod = (await import("onnxruntime-node")) as unknown as typeof mod;
  } catch (e) {
    const absent = (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    const what = absent ? "is not installed" : `could not be loaded (${e instanceof Error ? e.message : String(e)})`;
    throw new RpcError(Code.FailedPrecondition, `ONNX models need the optional package onnxruntime-node, which ${what}: ${INSTALL_HINT}`, { cause: e });
  }
  const ort = mod.InferenceSession !== undefined ? (mod as OrtModule) : mod.default;
  if (ort?.InferenceSession === undefined || ort.Tensor === undefined) {
    throw new RpcError(Code.FailedPrecondition, `the installed onnxruntime-node has no InferenceSession: ${INSTALL_HINT}`);
  }
  return ort;
}
