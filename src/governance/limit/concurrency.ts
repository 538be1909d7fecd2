import { Code, RpcError } from "../../core/index.js";
import type { Call, CallContext, Middleware, Next } from "../../rpc/index.js";
import { returnsStream } from "../../rpc/index.js";
import { completion, track, type Completion } from "../stream-util.js";
import { overLimit, type LimitScope } from "./rate-limit.js";

/**
 * Options of `concurrencyLimit()`.
 *
 * @example
 * concurrencyLimit({ max: 64, per: "method", methods: { Generate: 8 } })
 */
export interface ConcurrencyLimitOptions {
  /** Calls in flight at once (a stream counts until it ends). Required (>= 1). */
  max: number;
  /** One counter for the server (default) or one per method. */
  per?: LimitScope;
  /** Limits by method name or path, beating `max`. */
  methods?: Readonly<Record<string, number>>;
  /** The retry hint sent with RESOURCE_EXHAUSTED. Default 1000 ms. */
  retryAfterMs?: number;
}

class Counter {
  active = 0;
  readonly done: Completion = completion(() => { this.active--; });
  constructor(readonly max: number) {}
}

function counters(o: ConcurrencyLimitOptions, what: string) {
  const make = (max: number, name: string): Counter => {
    if (!Number.isInteger(max) || max < 1) throw new RpcError(Code.InvalidArgument, `${what} for ${name} must be an integer >= 1, got ${max}`);
    return new Counter(max);
  };
  const all = make(o.max, "all calls");
  const overrides = o.methods ?? {};
  const perMethod = o.per === "method" || Object.keys(overrides).length > 0;
  const map = new WeakMap<object, Counter>();
  let lastMethod: object | undefined;
  let last: Counter | undefined;
  return (call: Call): Counter => {
    if (!perMethod) return all;
    if (call.method === lastMethod) return last!;
    let c = map.get(call.method);
    if (c === undefined) {
      const m = overrides[call.method.path] ?? overrides[call.method.name];
      c = m !== undefined ? make(m, call.method.path) : o.per === "method" ? make(o.max, call.method.path) : all;
      map.set(call.method, c);
    }
    lastMethod = call.method;
    return (last = c);
  };
}

function limited(o: ConcurrencyLimitOptions, what: string, describe: (c: Counter, call: Call) => string): Middleware {
  const counterOf = counters(o, what);
  const retryAfterMs = o.retryAfterMs ?? 1000;
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const c = counterOf(call);
    if (c.active >= c.max) return Promise.reject(overLimit(describe(c, call), retryAfterMs));
    c.active++;
    let p: Promise<unknown>;
    try { p = next(call); } catch (e) { p = Promise.reject(e); }
    return track(p, returnsStream(call.method), c.done);
  };
}

/**
 * Server-side concurrency limit: calls beyond `max` in flight fail at once with RESOURCE_EXHAUSTED
 * (and a retry hint), per server or per method.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): Middleware {
  return limited(options, "concurrencyLimit", (c, call) => `concurrency limit of ${c.max} calls in flight reached (${call.method.path})`);
}

/**
 * Client-side limit of calls in flight: a call beyond `max` fails at once with RESOURCE_EXHAUSTED
 * instead of queueing behind the others. Put it outermost on the client.
 *
 * @example
 * createClient(Chat, transport, { middleware: [maxInFlight({ max: 256 }), retry(...)] })
 */
export function maxInFlight(options: ConcurrencyLimitOptions): Middleware {
  return limited(options, "maxInFlight", (c) => `client limit of ${c.max} calls in flight reached`);
}
