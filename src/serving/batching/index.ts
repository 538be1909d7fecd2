export { batchModel } from "./batcher.js";
export { isBatched, type BatchedModel, type BatcherStats } from "./batched.js";
export { BATCHER_DEFAULTS, MAX_PRIORITY_LEVELS, resolveBatcherOptions, type BatcherOptions, type ResolvedBatcherOptions } from "./options.js";
export { systemClock, createManualClock, type BatchClock, type ManualClock } from "./clock.js";
