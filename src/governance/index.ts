/**
 * Service governance as middleware and strategies: timeouts, retry (failure, backup, mixed),
 * circuit breakers, limits, load balancing, discovery and auth. See docs/governance.md.
 */
export * from "./timeout/index.js";
export * from "./retry/index.js";
export * from "./circuit-breaker/index.js";
export * from "./limit/index.js";
export * from "./load-balance/index.js";
export * from "./discovery/index.js";
export * from "./auth/index.js";
export { RETRY_MARK, RETRY_MARK_TTHEADER } from "./keys.js";
