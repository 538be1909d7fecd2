export { rateLimit, overLimit, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, type RateLimitOptions, type LimitScope } from "./rate-limit.js";
export { concurrencyLimit, maxInFlight, type ConcurrencyLimitOptions } from "./concurrency.js";
export { connectionLimit, type ConnectionLimitOptions } from "./connections.js";
