export { CircuitBreaker, BREAKER_DEFAULTS, resolveBreakerOptions, type BreakerOptions, type BreakerState, type ResolvedBreakerOptions } from "./breaker.js";
export { circuitBreaker, type CircuitBreakerOptions, type CircuitBreakerMiddleware, type BreakerKey } from "./middleware.js";
