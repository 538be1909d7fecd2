import type { Call, CallContext, Middleware, Next } from "../../rpc/index.js";
import { returnsStream } from "../../rpc/index.js";
import { completion, track, type Completion } from "../stream-util.js";
import { CircuitBreaker, resolveCircuitBreakerOptions, type CircuitBreakerOptions, type CircuitBreakerState } from "./breaker.js";

/** What one breaker guards: every method alone (default), the whole service, or a key of your own. */
export type CircuitBreakerKey = "method" | "service" | ((call: Call) => string);

/** Options of `circuitBreaker()`: the breaker's triggers (`CircuitBreakerOptions`), what one breaker guards, and a state-change callback. */
export interface CircuitBreakerMiddlewareOptions extends CircuitBreakerOptions {
  /** One breaker per method path (default), per service, or per key returned by a function. */
  key?: CircuitBreakerKey;
  /** Called when a breaker changes state. */
  onStateChange?: (key: string, state: CircuitBreakerState) => void;
}

/** A middleware with access to its breakers (for tests, health pages and metrics). */
export interface CircuitBreakerMiddleware extends Middleware {
  /** The breaker of a key, if one was created. */
  breaker(key: string): CircuitBreaker | undefined;
}

/**
 * Service- or method-level circuit breaker, for clients (or servers guarding a dependency). An open
 * breaker fails calls fast with UNAVAILABLE ("circuit breaker open for …"); see `CircuitBreakerOptions`
 * for triggers and defaults. Put it outside `retry()` so retries of a failing method stop at once;
 * per-instance breakers belong to `createBalancedTransport`.
 *
 * @example
 * createClient(Chat, transport, { middleware: [circuitBreaker({ errorRate: 0.3 }), retry(...)] });
 */
export function circuitBreaker(options: CircuitBreakerMiddlewareOptions = {}): CircuitBreakerMiddleware {
  const o = resolveCircuitBreakerOptions(options);
  const breakers = new Map<string, { breaker: CircuitBreaker; done: Completion }>();
  const keyOf = options.key ?? "method";
  const onChange = options.onStateChange;
  // by method: the entry of the method called last, else one map lookup by path
  let lastMethod: object | undefined;
  let lastEntry: { breaker: CircuitBreaker; done: Completion } | undefined;
  const get = (call: Call) => {
    if (call.method === lastMethod) return lastEntry!;
    const key = keyOf === "method" ? call.method.path : keyOf === "service" ? call.method.serviceName : keyOf(call);
    let e = breakers.get(key);
    if (e === undefined) {
      const b = new CircuitBreaker(key, o);
      const done = completion((err) => {
        if (onChange === undefined) return b.record(err);
        const before = b.state;
        b.record(err);
        if (b.state !== before) onChange(key, b.state);
      });
      breakers.set(key, (e = { breaker: b, done }));
    }
    if (keyOf === "method") { lastMethod = call.method; lastEntry = e; }
    return e;
  };
  const mw = (<C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const e = get(call);
    const refused = e.breaker.acquire();
    if (refused !== undefined) return Promise.reject(refused);
    let p: Promise<unknown>;
    try { p = next(call); } catch (err) { p = Promise.reject(err); }
    return track(p, returnsStream(call.method), e.done);
  }) as CircuitBreakerMiddleware;
  Object.defineProperty(mw, "breaker", { value: (key: string) => breakers.get(key)?.breaker });
  return mw;
}
