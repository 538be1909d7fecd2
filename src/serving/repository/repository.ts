import { Code, RpcError } from "../../core/index.js";
import type { Model } from "./model.js";

/** A model's state in the repository (Triton's repository extension). */
export type ModelState = "READY" | "UNAVAILABLE" | "LOADING" | "UNLOADING";

/** One entry of the repository index. */
export interface ModelIndexEntry {
  readonly name: string;
  readonly version: string;
  readonly state: ModelState;
  /** Why it is not ready, if it is not. */
  readonly reason: string;
}

/** Where a model that is not loaded comes from: a function that makes it (from code, or from a folder). */
export type ModelSource = () => Promise<Model>;

/**
 * The models a server serves, by name and version: registered ones are loaded at once; sources
 * (e.g. folders) load on `load(name)`. Every lookup of an unknown or unloaded model is NOT_FOUND
 * or UNAVAILABLE with a message saying which.
 */
export interface ModelRepository {
  /** The ready model `name` (at `version`, or its latest); NOT_FOUND or UNAVAILABLE otherwise. */
  get(name: string, version?: string): Model;
  /** Whether `name` (at `version`) is loaded and ready. */
  isReady(name: string, version?: string): boolean;
  /** Whether every model is ready. */
  allReady(): boolean;
  /** Every model known, ready or not. */
  index(): readonly ModelIndexEntry[];
  /** Load (or reload) a model from its source. NOT_FOUND when there is none. */
  load(name: string): Promise<void>;
  /** Unload a model: it answers UNAVAILABLE until loaded again. */
  unload(name: string): Promise<void>;
  /** Unload every model. */
  close(): Promise<void>;
}

/**
 * An in-memory repository of models given in code. Each model's version is its config's
 * (default "1"); several versions of one name may be given, and a request without a version
 * gets the highest.
 *
 * @example
 * const repository = createModelRepository({ models: [addSub] });
 */
export function createModelRepository(o: { models?: readonly Model[]; sources?: Readonly<Record<string, ModelSource>> } = {}): ModelRepository {
  return new InMemoryRepository(o.models ?? [], o.sources ?? {});
}

interface Entry { model: Model | undefined; version: string; state: ModelState; reason: string }

class InMemoryRepository implements ModelRepository {
  /** name -> version -> entry */
  private readonly entries = new Map<string, Map<string, Entry>>();

  constructor(models: readonly Model[], private readonly sources: Readonly<Record<string, ModelSource>>) {
    for (const m of models) this.put(m);
    for (const name of Object.keys(sources)) if (!this.entries.has(name)) this.entries.set(name, new Map([["", { model: undefined, version: "", state: "UNAVAILABLE", reason: "not loaded" }]]));
  }

  get(name: string, version?: string): Model {
    const e = this.entry(name, version);
    if (e.state !== "READY" || e.model === undefined) throw new RpcError(Code.Unavailable, `model ${name}${version ? ` version ${version}` : ""} is not ready (${e.state.toLowerCase()}${e.reason ? `: ${e.reason}` : ""})`);
    return e.model;
  }

  isReady(name: string, version?: string): boolean {
    try {
      return this.entry(name, version).state === "READY";
    } catch {
      return false;
    }
  }

  allReady(): boolean {
    for (const versions of this.entries.values()) for (const e of versions.values()) if (e.state !== "READY") return false;
    return true;
  }

  index(): readonly ModelIndexEntry[] {
    const out: ModelIndexEntry[] = [];
    for (const [name, versions] of this.entries) for (const e of versions.values()) out.push({ name, version: e.version, state: e.state, reason: e.reason });
    return out;
  }

  async load(name: string): Promise<void> {
    const source = this.sources[name];
    if (source === undefined) {
      if (this.entries.has(name)) return; // a model given in code is always loaded
      throw new RpcError(Code.NotFound, `no model named ${name} in the repository`);
    }
    const model = await source();
    if (model.config.name !== name) throw new RpcError(Code.InvalidArgument, `the source of ${name} made a model named ${model.config.name}`);
    const old = this.entries.get(name);
    this.entries.delete(name);
    this.put(model);
    for (const e of old?.values() ?? []) await e.model?.close?.();
  }

  async unload(name: string): Promise<void> {
    const versions = this.entries.get(name);
    if (versions === undefined) throw new RpcError(Code.NotFound, `no model named ${name} in the repository`);
    for (const e of versions.values()) {
      const m = e.model;
      e.model = undefined;
      e.state = "UNAVAILABLE";
      e.reason = "unloaded";
      await m?.close?.();
    }
  }

  async close(): Promise<void> {
    for (const name of this.entries.keys()) await this.unload(name);
  }

  private put(m: Model): void {
    const version = m.config.version ?? "1";
    let versions = this.entries.get(m.config.name);
    if (versions === undefined) this.entries.set(m.config.name, (versions = new Map()));
    versions.delete("");
    versions.set(version, { model: m, version, state: "READY", reason: "" });
  }

  private entry(name: string, version?: string): Entry {
    const versions = this.entries.get(name);
    if (versions === undefined) throw new RpcError(Code.NotFound, `no model named ${name.slice(0, 128)}`);
    if (version !== undefined && version !== "") {
      const e = versions.get(version);
      if (e === undefined) throw new RpcError(Code.NotFound, `model ${name} has no version ${version.slice(0, 64)}`);
      return e;
    }
    let best: Entry | undefined;
    for (const e of versions.values()) if (best === undefined || compareVersions(e.version, best.version) > 0) best = e;
    return best!;
  }
}

/** Numeric versions compare as numbers, others as strings. */
function compareVersions(a: string, b: string): number {
  const x = Number(a), y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
