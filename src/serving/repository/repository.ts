import { Code, RpcError } from "../../core/index.js";
import { batchModel, isBatched, type BatcherOptions } from "../batching/index.js";
import { checkModelConfig, type Model } from "../model.js";

/** A model's state in the repository (Triton's repository extension). */
export type ModelState = "READY" | "UNAVAILABLE" | "LOADING" | "UNLOADING";

/** One entry of the repository index. */
export interface ModelIndexEntry {
  readonly name: string;
  /** "" for a model that has never loaded. */
  readonly version: string;
  readonly state: ModelState;
  /** Why it is not ready, if it is not (e.g. what was wrong with its config). */
  readonly reason: string;
}

/**
 * Where a model that is not loaded comes from: a function that makes it, or each of its versions
 * (from code, or from a folder). It should give up when `signal` aborts (the load took too long).
 */
export type ModelSource = (signal: AbortSignal) => Promise<Model | readonly Model[]>;

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
  /**
   * Load (or reload) a model from its source. NOT_FOUND when there is none. When loading fails
   * the model is UNAVAILABLE with the reason (a model that was serving keeps serving) and the
   * error is thrown.
   */
  load(name: string): Promise<void>;
  /** Unload a model: it answers UNAVAILABLE until loaded again; its batcher's queue drains first. */
  unload(name: string): Promise<void>;
  /** Unload every model and close the models given in code. */
  close(): Promise<void>;
}

/** Options of `createModelRepository`. */
export interface ModelRepositoryOptions {
  /** Models written in code, loaded at once. Unloading one drains its batcher; `close()` closes it. */
  models?: readonly Model[];
  /** Sources by model name, loaded on `load(name)`. */
  sources?: Readonly<Record<string, ModelSource>>;
  /** A source for a name given to `load()` that has none yet (e.g. a folder added after start). */
  findSource?: (name: string) => ModelSource | undefined;
  /** Options of the batcher of each model whose config has `dynamicBatching`. */
  batching?: BatcherOptions;
  /** Longest a load may take; past it the load fails with DEADLINE_EXCEEDED. Default 120 s. */
  loadTimeoutMs?: number;
}

/** The defaults of `ModelRepositoryOptions` (frozen): a model load may take 120 s. */
export const REPOSITORY_DEFAULTS = Object.freeze({ loadTimeoutMs: 120_000 });

/**
 * A repository of models given in code and loaded from sources. Each model's version is its
 * config's (default "1"); a request without a version gets the highest. Models whose config has
 * `dynamicBatching` are served through a dynamic batcher.
 *
 * @example
 * const repository = createModelRepository({ models: [addSub] });
 */
export function createModelRepository(o: ModelRepositoryOptions = {}): ModelRepository {
  const loadTimeoutMs = o.loadTimeoutMs ?? REPOSITORY_DEFAULTS.loadTimeoutMs;
  if (!(Number.isFinite(loadTimeoutMs) && loadTimeoutMs > 0)) throw new RpcError(Code.InvalidArgument, `loadTimeoutMs must be a number of milliseconds > 0, got ${loadTimeoutMs}`);
  return new Repository(o, loadTimeoutMs);
}

interface Entry { readonly version: string; served: Model | undefined; state: ModelState; reason: string; readonly fromCode: boolean }
interface Slot { versions: Map<string, Entry>; source: ModelSource | undefined; code: readonly Model[] | undefined; turn: Promise<void> }

const placeholder = (state: ModelState, reason: string): Map<string, Entry> => new Map([["", { version: "", served: undefined, state, reason, fromCode: false }]]);

class Repository implements ModelRepository {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly o: ModelRepositoryOptions, private readonly loadTimeoutMs: number) {
    const byName = new Map<string, Model[]>();
    for (const m of o.models ?? []) {
      checkModelConfig(m.config);
      byName.set(m.config.name, [...(byName.get(m.config.name) ?? []), m]);
    }
    for (const [name, models] of byName) this.slots.set(name, { versions: this.serve(models, "code"), source: undefined, code: models, turn: Promise.resolve() });
    for (const [name, source] of Object.entries(o.sources ?? {})) {
      const slot = this.slots.get(name);
      if (slot !== undefined) slot.source = source;
      else this.slots.set(name, { versions: placeholder("UNAVAILABLE", "not loaded"), source, code: undefined, turn: Promise.resolve() });
    }
  }

  get(name: string, version?: string): Model {
    const e = this.entry(name, version);
    if (e.state !== "READY" || e.served === undefined) throw new RpcError(Code.Unavailable, `model ${name}${version ? ` version ${version}` : ""} is not ready (${e.state.toLowerCase()}${e.reason ? `: ${e.reason}` : ""})`);
    return e.served;
  }

  isReady(name: string, version?: string): boolean {
    try {
      return this.entry(name, version).state === "READY";
    } catch {
      return false;
    }
  }

  allReady(): boolean {
    for (const slot of this.slots.values()) for (const e of slot.versions.values()) if (e.state !== "READY") return false;
    return true;
  }

  index(): readonly ModelIndexEntry[] {
    const out: ModelIndexEntry[] = [];
    for (const [name, slot] of this.slots) for (const e of slot.versions.values()) out.push({ name, version: e.version, state: e.state, reason: e.reason });
    return out;
  }

  load(name: string): Promise<void> {
    const known = this.slots.has(name);
    let slot: Slot;
    try {
      slot = this.slotFor(name);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.inTurn(name, slot, (s) => this.loadNow(name, s));
    if (!known) run.catch((e: unknown) => this.forget(name, slot, e));
    return run;
  }

  /** A name tried with `findSource` and not found stays out of the index. */
  private forget(name: string, slot: Slot, e: unknown): void {
    if (RpcError.from(e).code === Code.NotFound && this.slots.get(name) === slot && !this.isReady(name)) this.slots.delete(name);
  }

  unload(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (slot === undefined) return Promise.reject(new RpcError(Code.NotFound, `no model named ${name.slice(0, 128)} in the repository`));
    return this.inTurn(name, slot, (s) => this.unloadNow(s));
  }

  async close(): Promise<void> {
    for (const [name, slot] of this.slots) {
      await this.inTurn(name, slot, async (s) => {
        await this.unloadNow(s);
        for (const m of s.code ?? []) await (isBatched(m) ? m.close() : m.close?.());
      });
    }
  }

  /** The slot of `name`, made for a source found by `findSource`; NOT_FOUND when there is none. */
  private slotFor(name: string): Slot {
    const slot = this.slots.get(name);
    if (slot !== undefined) return slot;
    const source = this.o.findSource?.(name);
    if (source === undefined) throw new RpcError(Code.NotFound, `no model named ${name.slice(0, 128)} in the repository`);
    const made: Slot = { versions: placeholder("UNAVAILABLE", "not loaded"), source, code: undefined, turn: Promise.resolve() };
    this.slots.set(name, made);
    return made;
  }

  /** Run `fn` after the loads and unloads of `name` asked for before it. */
  private inTurn(name: string, slot: Slot, fn: (slot: Slot) => Promise<void>): Promise<void> {
    const run = slot.turn.then(() => fn(slot));
    slot.turn = run.catch(() => undefined);
    return run;
  }

  private async loadNow(name: string, slot: Slot): Promise<void> {
    if (slot.source === undefined) {
      if ([...slot.versions.values()].some((e) => e.state !== "READY")) slot.versions = this.serve(slot.code!, "code again");
      return;
    }
    const serving = [...slot.versions.values()].some((e) => e.state === "READY");
    if (!serving) slot.versions = placeholder("LOADING", "");
    let loaded: Map<string, Entry>;
    try {
      loaded = this.serve(await this.fetch(name, slot.source), "source");
    } catch (e) {
      const err = RpcError.from(e, Code.Internal);
      if (!serving) slot.versions = placeholder("UNAVAILABLE", err.rawMessage);
      throw err;
    }
    const old = [...slot.versions.values()];
    slot.versions = loaded;
    for (const e of old) await this.retire(e);
  }

  private async unloadNow(slot: Slot): Promise<void> {
    const entries = [...slot.versions.values()];
    for (const e of entries) e.state = "UNLOADING";
    for (const e of entries) {
      await this.retire(e);
      e.state = "UNAVAILABLE";
      e.reason = "unloaded";
    }
  }

  /** Stop serving an entry's model: drain its batcher; close it unless it was given in code (it may load again). */
  private async retire(e: Entry): Promise<void> {
    const m = e.served;
    e.served = undefined;
    if (m === undefined) return;
    if (!e.fromCode) await m.close?.();
    else if (isBatched(m)) await m.drain();
  }

  /** The models of a source, checked, within the load timeout; a late result is closed. */
  private async fetch(name: string, source: ModelSource): Promise<Model[]> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RpcError(Code.DeadlineExceeded, `loading model ${name} took longer than ${this.loadTimeoutMs} ms (loadTimeoutMs)`)), this.loadTimeoutMs);
    const loading = Promise.resolve().then(() => source(controller.signal)).then((r) => (Array.isArray(r) ? [...r] : [r as Model]));
    const gaveUp = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }));
    try {
      const models = await Promise.race([loading, gaveUp]);
      this.check(name, models);
      return models;
    } catch (e) {
      void loading.then(closeAll, () => undefined);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private check(name: string, models: readonly Model[]): void {
    const versions = new Set<string>();
    if (models.length === 0) throw new RpcError(Code.Internal, `the source of ${name} made no model`);
    for (const m of models) {
      if (m.config.name !== name) throw new RpcError(Code.Internal, `the source of ${name} made a model named ${m.config.name}`);
      checkModelConfig(m.config);
      const v = m.config.version ?? "1";
      if (versions.has(v)) throw new RpcError(Code.Internal, `the source of ${name} made version ${v} twice`);
      versions.add(v);
    }
  }

  /**
   * Entries serving `models`, each through a batcher when its config asks for one. A batcher given
   * in code was drained by the unload before `"code again"`: its model gets a new one.
   */
  private serve(models: readonly Model[], from: "code" | "code again" | "source"): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (const m of models) {
      const own = from === "code again" && isBatched(m) ? m.inner : m;
      const served = own.config.dynamicBatching === undefined || isBatched(own) ? own : batchModel(own, this.o.batching);
      const version = m.config.version ?? "1";
      out.set(version, { version, served, state: "READY", reason: "", fromCode: from !== "source" });
    }
    return out;
  }

  private entry(name: string, version?: string): Entry {
    const versions = this.slots.get(name)?.versions;
    if (versions === undefined) throw new RpcError(Code.NotFound, `no model named ${name.slice(0, 128)}`);
    const only = versions.get("");
    if (only !== undefined) return only;
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

async function closeAll(models: readonly Model[]): Promise<void> {
  for (const m of models) await m.close?.();
}

/** Numeric versions compare as numbers, others as strings. */
function compareVersions(a: string, b: string): number {
  const x = Number(a), y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
