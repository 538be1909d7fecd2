import { Code, RpcError } from "../../core/index.js";
import type { Model, ModelConfig } from "../model.js";

/**
 * Makes a model from a file of a model repository (`<repo>/<name>/<version>/<file>`). The ONNX
 * loader claims `model.onnx`; others claim their own kinds of file.
 *
 * @example
 * registerModelLoader({
 *   platform: "onnxruntime_onnx",
 *   canLoad: (file) => file.endsWith(".onnx"),
 *   load: (file, config) => createOnnxModel(file, config),
 * });
 */
export interface ModelLoader {
  /** The platform it serves (`<project>_<format>`, Triton's names where one exists), e.g. `onnxruntime_onnx`. */
  readonly platform: string;
  /** Whether it can load this file (its absolute path); called for each file of a version folder. */
  canLoad(file: string): boolean;
  /**
   * Load the model. `config` is the model's config file, checked, with this version and platform;
   * its `inputs` and `outputs` may be empty when the file says them itself (as ONNX models do):
   * the loader fills them in, or refuses. The config of the model it returns must name the same
   * model and version. Abort `signal` when loading takes too long (the repository gives up then).
   */
  load(file: string, config: ModelConfig, options: { readonly signal: AbortSignal }): Promise<Model>;
}

const loaders = new Map<string, ModelLoader>();

/**
 * Make a loader available to every model repository (replacing one of the same platform).
 * Returns a function that removes it again.
 */
export function registerModelLoader(loader: ModelLoader): () => void {
  if (typeof loader?.platform !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(loader.platform)) {
    throw new RpcError(Code.InvalidArgument, `a model loader needs a platform of 1-64 letters, digits, '_', '.' or '-', got ${String(loader?.platform).slice(0, 40)}`);
  }
  if (typeof loader.canLoad !== "function" || typeof loader.load !== "function") throw new RpcError(Code.InvalidArgument, `model loader ${loader.platform} needs canLoad(file) and load(file, config)`);
  loaders.set(loader.platform, loader);
  return () => {
    if (loaders.get(loader.platform) === loader) loaders.delete(loader.platform);
  };
}

/** The registered loaders, in registration order. */
export function registeredModelLoaders(): readonly ModelLoader[] {
  return [...loaders.values()];
}

/**
 * The loader for a file: the one of `platform` when the config names one (it must claim the file),
 * otherwise the first that claims it. Undefined when none does.
 */
export function findModelLoader(file: string, platform: string | undefined, candidates: readonly ModelLoader[]): ModelLoader | undefined {
  for (const l of candidates) if ((platform === undefined || l.platform === platform) && l.canLoad(file)) return l;
  return undefined;
}
