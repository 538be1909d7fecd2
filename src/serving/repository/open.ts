import { Code, RpcError } from "../../core/index.js";
import { jsonModelLoader } from "./json-model.js";
import { FOLDER_DEFAULTS, isPlainModelName, listModelFolders, loadModelFolder, type ModelFolderOptions } from "./folder.js";
import { registeredModelLoaders, type ModelLoader } from "./loader.js";
import type { ModelConfig } from "../model.js";
import { createModelRepository, type ModelRepository, type ModelRepositoryOptions, type ModelSource } from "./repository.js";

/** Options of `openModelRepository`. */
export interface OpenModelRepositoryOptions extends Omit<ModelRepositoryOptions, "findSource"> {
  /** The repository folder: `<path>/<name>/config.json` and `<path>/<name>/<version>/<model file>`. */
  path: string;
  /** Loaders to try, in order. Default: the registered ones (`registerModelLoader`), then ONNX Runtime's and `weir_json`'s. */
  loaders?: readonly ModelLoader[];
  /** Largest `config.json`. Default 64 KiB. */
  maxConfigBytes?: number;
  /** Largest model file a loader is given. Default 2 GiB. */
  maxModelFileBytes?: number;
}

/**
 * A repository of the models in a folder (and of those given in code): every model folder is
 * loaded now; one that fails to load is UNAVAILABLE in `index()` with the reason, and the others
 * serve. `load(name)` also loads a folder added later; names are plain (no path separators, no
 * leading dot), so a name never leaves the folder.
 *
 * @example
 * const repository = await openModelRepository({ path: "./model-repository" });
 * repository.index(); // [{ name: "mlp", version: "1", state: "READY", reason: "" }, ...]
 */
export async function openModelRepository(o: OpenModelRepositoryOptions): Promise<ModelRepository> {
  if (typeof o.path !== "string" || o.path === "") throw new RpcError(Code.InvalidArgument, "openModelRepository needs path, the repository folder");
  for (const key of ["maxConfigBytes", "maxModelFileBytes"] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) throw new RpcError(Code.InvalidArgument, `openModelRepository ${key} must be a number of bytes > 0, got ${v}`);
  }
  const folder: ModelFolderOptions = {
    path: o.path,
    get loaders() {
      return o.loaders ?? defaultLoaders();
    },
    maxConfigBytes: o.maxConfigBytes ?? FOLDER_DEFAULTS.maxConfigBytes,
    maxModelFileBytes: o.maxModelFileBytes ?? FOLDER_DEFAULTS.maxModelFileBytes,
    ...(o.batching === undefined ? {} : { batching: o.batching }),
  };
  const fromFolder = (name: string): ModelSource => (signal) => loadModelFolder(folder, name, signal);
  const names = await listModelFolders(o.path);
  const sources: Record<string, ModelSource> = { ...o.sources };
  for (const name of names) sources[name] ??= fromFolder(name);
  const repository = createModelRepository({ ...o, sources, findSource: (name) => (isPlainModelName(name) ? fromFolder(name) : undefined) });
  for (const name of names) await repository.load(name).catch(() => undefined); // the reason is in index()
  return repository;
}

/**
 * `.onnx` files through ONNX Runtime. The engine (and onnxruntime-node, an optional dependency) is
 * imported only when such a file is loaded.
 */
const onnxFiles: ModelLoader = Object.freeze({
  platform: "onnxruntime_onnx",
  canLoad: (file: string) => file.endsWith(".onnx"),
  load: async (file: string, config: ModelConfig) => (await import("../engines/onnx/index.js")).loadOnnxModel(file, config),
});

function defaultLoaders(): readonly ModelLoader[] {
  const registered = registeredModelLoaders();
  const missing = [onnxFiles, jsonModelLoader].filter((d) => !registered.some((l) => l.platform === d.platform));
  return [...registered, ...missing];
}
