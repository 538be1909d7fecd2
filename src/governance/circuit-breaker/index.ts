export { CircuitBreaker, CIRCUIT_BREAKER_DEFAULTS, resolveCircuitBreakerOptions, type CircuitBreakerOptions, type CircuitBreakerState, type ResolvedCircuitBreakerOptions } from "./breaker.js";
export { circuitBreaker, type CircuitBreakerMiddlewareOptions, type CircuitBreakerMiddleware, type CircuitBreakerKey } from "./middleware.js";
