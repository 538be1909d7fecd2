/**
 * The `weir/governance` entry: timeouts, retry (failure, backup, mixed), circuit breakers, limits,
 * load balancing, discovery and auth, each a middleware or a strategy. See docs/governance.md.
 */
export {
  timeout, streamIdleTimeout, downstream, type TimeoutOptions, type StreamIdleOptions,
  retry, chainStop, RETRY_POLICY_DEFAULTS, resolveRetryPolicy,
  type RetryOptions, type RetryListener, type RetryPolicy, type ResolvedRetryPolicy,
  type FailurePolicy, type BackupPolicy, type MixedPolicy, type BackoffPolicy, type AttemptResult, type ResultPredicate,
  circuitBreaker, CircuitBreaker, CIRCUIT_BREAKER_DEFAULTS, resolveCircuitBreakerOptions,
  type CircuitBreakerMiddlewareOptions, type CircuitBreakerMiddleware, type CircuitBreakerKey, type CircuitBreakerOptions, type CircuitBreakerState, type ResolvedCircuitBreakerOptions,
  rateLimit, overLimit, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, concurrencyLimit, maxInFlight, connectionLimit,
  type RateLimitOptions, type LimitScope, type ConcurrencyLimitOptions, type ConnectionLimitOptions,
  createBalancedTransport, weightedRoundRobin, powerOfTwoChoices, consistentHash, DEFAULT_WEIGHT,
  type BalancedTransport, type BalancedTransportOptions, type Balancer, type Endpoint, type Picker, type ConsistentHashOptions,
  staticResolver, dnsResolver, etcdRegistry, registerServer,
  type Resolver, type Watch, type Registry, type Registration, type Registered, type DnsResolverOptions, type EtcdRegistryOptions,
  type RegisterServerOptions, type RegisteredServer, type RegistrableServer,
  jwtAuth, jwtClaims, JWT_AUTH_DEFAULTS, type JwtAuthOptions, type JwtKey, type MethodRule,
} from "./governance/index.js";
