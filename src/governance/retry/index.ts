export { retry, type RetryOptions } from "./retry.js";
export { chainStop } from "./chain-stop.js";
export type { RetryListener } from "./attempts.js";
export {
  RETRY_POLICY_DEFAULTS, resolveRetryPolicy, backoffDelay,
  type RetryPolicy, type FailurePolicy, type BackupPolicy, type MixedPolicy, type BackoffPolicy,
  type ResolvedRetryPolicy, type AttemptResult, type ResultPredicate,
} from "./options.js";
export { RETRY_CIRCUIT_MIN_SAMPLES, RETRY_CIRCUIT_WINDOW_MS } from "./circuit.js";
