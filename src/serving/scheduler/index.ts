export { createScheduledEngine, type ScheduledEngine } from "./engine.js";
export { SCHEDULER_DEFAULTS, resolveSchedulerOptions, type SchedulerOptions, type ResolvedSchedulerOptions } from "./options.js";
export { REAL_CLOCK, type SchedulerClock } from "./scheduler.js";
export { SchedulerStats, FixedHistogram } from "./stats.js";
export type { SteppedModel, StepRow, SamplingParams, PreparedPrompt, TokenTextDecoder } from "../engines/stepped.js";
