import { Code, RpcError } from "../../core/index.js";
import type { ModelConfig, QueuePolicy } from "../model.js";
import { systemClock, type BatchClock } from "./clock.js";

/**
 * Options of `batchModel()`: what the model's config (Triton's `dynamic_batching`) does not say.
 *
 * @example
 * batchModel(model, { instances: 2, defaultMaxQueueSize: 256 })
 */
export interface BatcherOptions {
  /** Batches that may run at once (Triton's instance count). The model must accept concurrent `infer` calls when > 1. Default 1. */
  instances?: number;
  /**
   * Requests a priority level's queue holds when its policy sets no `maxQueueSize` (or 0, which is
   * unbounded in Triton). `Infinity` asks for Triton's unbounded queue. Default 1024.
   */
  defaultMaxQueueSize?: number;
  /** Bytes of input tensors waiting in one model's queues, all levels together. Default 256 MiB. */
  maxQueueBytes?: number;
  /**
   * Longest a request waits in the queue, whatever its policy says (a policy timeout of 0 is none;
   * DELAY may defer a request for ever): past it the request gets UNAVAILABLE. `Infinity` = none. Default 30 s.
   */
  maxQueueTimeMicroseconds?: number;
  /** On `close()`, queued requests still run for this long; then the rest get UNAVAILABLE. Default 5000 ms. */
  drainTimeoutMs?: number;
  /** Time source; tests pass `createManualClock()`. Default the process clock. */
  clock?: BatchClock;
}

/** `BatcherOptions` with every default filled in, as `resolveBatcherOptions` returns them. */
export type ResolvedBatcherOptions = Readonly<Required<BatcherOptions>>;

/** The defaults of `BatcherOptions` (frozen); see docs/serving.md for each value. */
export const BATCHER_DEFAULTS: ResolvedBatcherOptions = Object.freeze({
  instances: 1,
  defaultMaxQueueSize: 1024,
  maxQueueBytes: 256 * 1024 * 1024,
  maxQueueTimeMicroseconds: 30_000_000,
  drainTimeoutMs: 5000,
  clock: systemClock,
});

/** Most priority levels a model may have. */
export const MAX_PRIORITY_LEVELS = 256;

/** A priority level's queue policy, resolved. */
export interface LevelPolicy {
  readonly timeoutAction: "REJECT" | "DELAY";
  /** 0 = none. */
  readonly timeoutMicros: number;
  readonly allowTimeoutOverride: boolean;
  readonly maxQueueSize: number;
}

/** How a model batches: its config and the options, checked. */
export interface BatchPolicy {
  readonly maxBatchSize: number;
  /** Preferred batch sizes, and `maxBatchSize`, which is always worth running at once. */
  readonly preferred: ReadonlySet<number>;
  readonly maxQueueDelayMicros: number;
  /** One policy per level; index 0 is level 1, the highest. A model without priorities has one level. */
  readonly levels: readonly LevelPolicy[];
  /** Level of a request that names none, 1-based. */
  readonly defaultLevel: number;
}

const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
const micros = (v: number) => Number.isSafeInteger(v) && v >= 0;

/** The options with their defaults; INVALID_ARGUMENT naming a bad one and what to pass. */
export function resolveBatcherOptions(o: BatcherOptions = {}): ResolvedBatcherOptions {
  const d = BATCHER_DEFAULTS;
  const r = { ...d, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<BatcherOptions>;
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `batchModel ${m}`);
  if (!positiveInt(r.instances) || r.instances > 64) throw bad(`instances must be an integer in 1..64, got ${r.instances}`);
  if (!(positiveInt(r.defaultMaxQueueSize) || r.defaultMaxQueueSize === Infinity)) throw bad(`defaultMaxQueueSize must be an integer >= 1, or Infinity for no bound, got ${r.defaultMaxQueueSize}`);
  if (!(r.maxQueueBytes >= 1)) throw bad(`maxQueueBytes must be >= 1 (bytes), got ${r.maxQueueBytes}`);
  if (!(micros(r.maxQueueTimeMicroseconds) && r.maxQueueTimeMicroseconds > 0) && r.maxQueueTimeMicroseconds !== Infinity) throw bad(`maxQueueTimeMicroseconds must be an integer > 0, or Infinity for no bound, got ${r.maxQueueTimeMicroseconds}`);
  if (!(Number.isFinite(r.drainTimeoutMs) && r.drainTimeoutMs >= 0)) throw bad(`drainTimeoutMs must be >= 0, got ${r.drainTimeoutMs}`);
  return Object.freeze(r);
}

/** The batching policy of a model's config; INVALID_ARGUMENT naming the first bad field. */
export function resolveBatchPolicy(config: ModelConfig, o: ResolvedBatcherOptions): BatchPolicy {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model ${config.name}: ${m}`);
  const max = config.maxBatchSize ?? 0;
  const db = config.dynamicBatching;
  if (!positiveInt(max)) throw bad(`dynamic batching needs maxBatchSize >= 1, got ${max}`);
  if (db === undefined) throw bad("has no dynamicBatching in its config");
  const preferred = new Set<number>([max]);
  for (const p of db.preferredBatchSize ?? []) {
    if (!positiveInt(p) || p > max) throw bad(`dynamicBatching.preferredBatchSize must hold integers in 1..maxBatchSize (${max}), got ${p}`);
    preferred.add(p);
  }
  const delay = db.maxQueueDelayMicroseconds ?? 0;
  if (!micros(delay)) throw bad(`dynamicBatching.maxQueueDelayMicroseconds must be an integer >= 0, got ${delay}`);
  if (delay >= o.maxQueueTimeMicroseconds) throw bad(`dynamicBatching.maxQueueDelayMicroseconds (${delay}) must be below the batcher's maxQueueTimeMicroseconds (${o.maxQueueTimeMicroseconds})`);
  const count = db.priorityLevels ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > MAX_PRIORITY_LEVELS) throw bad(`dynamicBatching.priorityLevels must be an integer in 0..${MAX_PRIORITY_LEVELS}, got ${count}`);
  const levels = Math.max(1, count);
  const defaultLevel = count === 0 ? 1 : db.defaultPriorityLevel ?? levels;
  if (!positiveInt(defaultLevel) || defaultLevel > levels) throw bad(`dynamicBatching.defaultPriorityLevel must be in 1..priorityLevels (${levels}), got ${defaultLevel}`);
  const perLevel = db.priorityQueuePolicy ?? {};
  for (const key of Object.keys(perLevel)) {
    const level = Number(key);
    if (!positiveInt(level) || level > count) throw bad(`dynamicBatching.priorityQueuePolicy has level ${key.slice(0, 20)}, outside 1..priorityLevels (${count})`);
  }
  const base = levelPolicy(db.defaultQueuePolicy, o, "dynamicBatching.defaultQueuePolicy", bad);
  const policies = Array.from({ length: levels }, (_, i) => {
    const own = perLevel[i + 1];
    return own === undefined ? base : levelPolicy(own, o, `dynamicBatching.priorityQueuePolicy[${i + 1}]`, bad);
  });
  return Object.freeze({ maxBatchSize: max, preferred, maxQueueDelayMicros: delay, levels: Object.freeze(policies), defaultLevel });
}

function levelPolicy(p: QueuePolicy | undefined, o: ResolvedBatcherOptions, where: string, bad: (m: string) => RpcError): LevelPolicy {
  const action = p?.timeoutAction ?? "REJECT";
  if (action !== "REJECT" && action !== "DELAY") throw bad(`${where}.timeoutAction must be "REJECT" or "DELAY", got ${String(action).slice(0, 20)}`);
  const timeout = p?.defaultTimeoutMicroseconds ?? 0;
  if (!micros(timeout)) throw bad(`${where}.defaultTimeoutMicroseconds must be an integer >= 0, got ${timeout}`);
  const size = p?.maxQueueSize ?? 0;
  if (!Number.isInteger(size) || size < 0) throw bad(`${where}.maxQueueSize must be an integer >= 0, got ${size}`);
  return Object.freeze({ timeoutAction: action, timeoutMicros: timeout, allowTimeoutOverride: p?.allowTimeoutOverride === true, maxQueueSize: size === 0 ? o.defaultMaxQueueSize : size });
}
