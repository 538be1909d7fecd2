import { open, opendir, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { Code, RpcError } from "../../core/index.js";
import { batchModel, type BatcherOptions } from "../batching/index.js";
import { parseModelFile, type ModelFile, type VersionPolicy } from "./config-file.js";
import { configError } from "./config-fields.js";
import { findModelLoader, type ModelLoader } from "./loader.js";
import { checkModelConfig, type Model } from "../model.js";

/** Where a folder repository's models come from, and the bounds on reading them. */
export interface ModelFolderOptions {
  /** The repository folder: `<path>/<name>/config.json` and `<path>/<name>/<version>/<model file>`. */
  readonly path: string;
  /** Loaders to try, in order. */
  readonly loaders: readonly ModelLoader[];
  /** Largest `config.json`. Default 64 KiB. */
  readonly maxConfigBytes?: number;
  /** Largest model file a loader is given. Default 2 GiB (ONNX's own limit). */
  readonly maxModelFileBytes?: number;
  /** Options of the batcher of models with `dynamicBatching`. */
  readonly batching?: BatcherOptions;
}

/** The defaults of `ModelFolderOptions` (frozen): config files up to 64 KiB, model files up to 2 GiB. */
export const FOLDER_DEFAULTS = Object.freeze({ maxConfigBytes: 64 * 1024, maxModelFileBytes: 2 * 1024 ** 3 });

/** Most entries read from one folder (models of a repository, versions of a model, files of a version). */
export const MAX_FOLDER_ENTRIES = 4096;

/** A model name that is safe as one path segment: no separators, no leading dot (so never `.` or `..`). */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Whether `name` may name a model folder. */
export function isPlainModelName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

/** The names of the model folders in the repository (plain names only; others are skipped). */
export async function listModelFolders(root: string): Promise<string[]> {
  const names: string[] = [];
  for (const e of await entries(root)) if (e.isDirectory && isPlainModelName(e.name)) names.push(e.name);
  return names.sort();
}

/**
 * Load every version of model `name` that its version policy asks for: read `config.json`, find
 * each version's file and its loader, load it, check the result, and serve it through the batcher
 * when the config has `dynamicBatching`. INVALID_ARGUMENT or NOT_FOUND saying what is wrong.
 */
export async function loadModelFolder(o: ModelFolderOptions, name: string, signal: AbortSignal): Promise<Model[]> {
  const dir = modelDir(o.path, name);
  const file = await readModelFile(dir, name, o.maxConfigBytes ?? FOLDER_DEFAULTS.maxConfigBytes);
  const versions = pickVersions((await entries(dir)).filter((e) => e.isDirectory && /^\d{1,18}$/.test(e.name)).map((e) => e.name), file.versionPolicy);
  if (versions.length === 0) throw new RpcError(Code.NotFound, `model ${name}: no version folder to serve (numbered folders such as ${join(dir, "1")}, as versionPolicy asks)`);
  const models: Model[] = [];
  try {
    for (const version of versions) {
      signal.throwIfAborted();
      models.push(await loadVersion(o, file, join(dir, version), version, signal));
    }
  } catch (e) {
    for (const m of models) await m.close?.();
    throw e;
  }
  return models;
}

async function loadVersion(o: ModelFolderOptions, file: ModelFile, dir: string, version: string, signal: AbortSignal): Promise<Model> {
  const name = file.config.name;
  const path = await modelFileOf(o, file, dir, version);
  const size = (await stat(path)).size;
  const max = o.maxModelFileBytes ?? FOLDER_DEFAULTS.maxModelFileBytes;
  if (size > max) throw new RpcError(Code.InvalidArgument, `model ${name} version ${version}: ${path} is ${size} bytes, over the limit of ${max} (maxModelFileBytes)`);
  const loader = findModelLoader(path, file.config.platform, o.loaders)!;
  const model = await loader.load(path, { ...file.config, version }, { signal });
  if (model.config.name !== name || (model.config.version ?? "1") !== version) {
    await model.close?.();
    throw new RpcError(Code.Internal, `loader ${loader.platform} made model ${model.config.name} version ${model.config.version} from ${path}, not ${name} version ${version}`);
  }
  try {
    checkModelConfig(model.config);
    return model.config.dynamicBatching === undefined ? model : batchModel(model, { ...o.batching, instances: file.instances });
  } catch (e) {
    await model.close?.();
    throw e;
  }
}

/** The file of a version folder: `defaultModelFilename`, or the first (by name) that a loader claims. */
async function modelFileOf(o: ModelFolderOptions, file: ModelFile, dir: string, version: string): Promise<string> {
  const name = file.config.name, platform = file.config.platform;
  const names = file.defaultModelFilename !== undefined ? [file.defaultModelFilename] : (await entries(dir)).filter((e) => !e.isDirectory).map((e) => e.name).sort();
  for (const n of names) {
    const path = join(dir, n);
    if (findModelLoader(path, platform, o.loaders) !== undefined) {
      if (!(await stat(path).catch(() => undefined))?.isFile()) throw new RpcError(Code.NotFound, `model ${name} version ${version}: no file ${path}`);
      return path;
    }
  }
  const which = platform === undefined ? `any loader (${o.loaders.map((l) => l.platform).join(", ") || "none registered"})` : `the loader of platform ${platform}${o.loaders.some((l) => l.platform === platform) ? "" : " (not registered)"}`;
  throw new RpcError(Code.NotFound, `model ${name} version ${version}: no file in ${dir} that ${which} can load`);
}

function modelDir(root: string, name: string): string {
  if (!isPlainModelName(name)) throw new RpcError(Code.InvalidArgument, `a model name is 1-128 letters, digits, '_', '.' or '-', not starting with '.', got "${name.slice(0, 40)}"`);
  const base = resolve(root), dir = resolve(base, name);
  if (!dir.startsWith(base + sep)) throw new RpcError(Code.InvalidArgument, `model ${name} is outside the repository`);
  return dir;
}

/** `config.json` of a model folder, at most `max` bytes; a folder without one gets an empty config (the model file says the rest). */
async function readModelFile(dir: string, name: string, max: number): Promise<ModelFile> {
  const path = join(dir, "config.json");
  const handle = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw new RpcError(e.code === "ENOTDIR" ? Code.NotFound : Code.Internal, `model ${name}: cannot read ${path} (${e.code})`, { cause: e });
  });
  if (handle === undefined) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new RpcError(Code.NotFound, `no model folder ${dir}`);
    return parseModelFile("{}", name);
  }
  try {
    const size = (await handle.stat()).size;
    if (size > max) throw configError(name, `the file is ${size} bytes, over the limit of ${max} (maxConfigBytes)`);
    const buf = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buf, 0, size, 0);
    return parseModelFile(buf.subarray(0, bytesRead).toString("utf8"), name);
  } finally {
    await handle.close();
  }
}

function pickVersions(found: readonly string[], policy: VersionPolicy): string[] {
  const sorted = [...found].sort((a, b) => Number(b) - Number(a)); // newest first
  if (policy.kind === "all") return sorted;
  if (policy.kind === "latest") return sorted.slice(0, policy.count);
  return sorted.filter((v) => policy.versions.some((w) => Number(w) === Number(v)));
}

interface Entry { readonly name: string; readonly isDirectory: boolean }

/** At most MAX_FOLDER_ENTRIES entries of a folder (symbolic links followed). */
async function entries(dir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const d = await opendir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new RpcError(e.code === "ENOENT" || e.code === "ENOTDIR" ? Code.NotFound : Code.Internal, `cannot list ${dir} (${e.code})`, { cause: e });
  });
  try {
    for await (const e of d) {
      const isDirectory = e.isDirectory() || (e.isSymbolicLink() && (await stat(join(dir, e.name)).catch(() => undefined))?.isDirectory() === true);
      out.push({ name: e.name, isDirectory });
      if (out.length >= MAX_FOLDER_ENTRIES) break;
    }
  } finally {
    await d.close().catch(() => undefined);
  }
  return out;
}
