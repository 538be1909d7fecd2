import { Code, Metadata, RpcError } from "../../core/index.js";
import type { Call, CallContext, ClientCallContext, Middleware, Next } from "../../rpc/index.js";
import { returnsStream, takesStream } from "../../rpc/index.js";
import type { RollingWindow } from "../circuit-breaker/window.js";
import { RETRY_MARK, RETRY_MARK_TTHEADER } from "../keys.js";
import { RetryRun, type RetryListener } from "./attempts.js";
import { inboundRetryMark } from "./chain-stop.js";
import { RetryCircuit } from "./circuit.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from "./options.js";
import { ReplayableRequests } from "./replay.js";

/**
 * Options of `retry()`.
 *
 * @example
 * retry({ policy: { type: "mixed", delayMs: 200, maxRetries: 2 }, methods: { Embed: { type: "failure" } } })
 */
export interface RetryOptions {
  /** The policy of methods marked idempotent in the IDL. Default: none (no retry). */
  policy?: RetryPolicy;
  /**
   * Policies by method name, full path (`/pkg.Svc/Method`) or `"*"`; naming a method here is
   * configuring it as safe to retry, idempotent or not. `false` turns retry off for that method.
   */
  methods?: Readonly<Record<string, RetryPolicy | false>>;
  /** Request messages of a client-streaming or bidi call kept to send again on a retry. Default 64. */
  maxReplayMessages?: number;
  /** Called before every retry and backup request. */
  onRetry?: RetryListener;
}

type Resolved = { readonly policy: ResolvedRetryPolicy; readonly streamPolicy: ResolvedRetryPolicy };

/**
 * Retry as Kitex defines it, for clients: failure retry, backup request and mixed retry (see
 * `RetryPolicy`). Only methods marked idempotent (with `policy`) or named in `methods` are retried.
 * Each attempt runs the middleware inside this one, so put `timeout()` inside to give each attempt
 * its own RPC timeout. Retries carry `rpc-persist-retryreq: <attempt>`; a call that carries it
 * (or is made while serving one, see `chainStop()`) is not retried again (chain stop). The retry
 * circuit stops retries of a method while its errors pass `errorRate` (10%) of at least 10 samples.
 * Streams are retried only before their first response message; a request stream is sent again
 * from its start (up to `maxReplayMessages`), and request-streaming calls retry one attempt at a time.
 *
 * @example
 * const client = createClient(Chat, balanced, { middleware: [
 *   circuitBreaker(), retry({ policy: { type: "mixed", delayMs: 200 } }), timeout({ timeoutMs: 1000 }),
 * ] });
 */
export function retry(options: RetryOptions = {}): Middleware<ClientCallContext> {
  const base = options.policy === undefined ? undefined : resolved(options.policy);
  const byMethod = new Map<string, Resolved | false>();
  for (const [k, v] of Object.entries(options.methods ?? {})) byMethod.set(k, v === false ? false : resolved(v));
  const wildcard = byMethod.get("*");
  const maxReplay = options.maxReplayMessages ?? 64;
  if (!Number.isInteger(maxReplay) || maxReplay < 0) {
    throw new RpcError(Code.InvalidArgument, `retry maxReplayMessages must be a whole number, 0 or more, got ${maxReplay}`);
  }
  const circuit = new RetryCircuit();
  const cache = new WeakMap<object, Resolved | false>();
  const policyOf = (call: Call): Resolved | false => {
    let r = cache.get(call.method);
    if (r !== undefined) return r;
    r = byMethod.get(call.method.path) ?? byMethod.get(call.method.name) ?? wildcard ?? (call.method.idempotent && base !== undefined ? base : false);
    cache.set(call.method, r);
    return r;
  };
  // the retry circuit's window of the method called last, else one map lookup by path
  let lastMethod: object | undefined;
  let lastWindow: RollingWindow | undefined;
  const windowOf = (call: Call): RollingWindow => {
    if (call.method !== lastMethod) { lastWindow = circuit.window(call.method.path); lastMethod = call.method; }
    return lastWindow!;
  };
  return (<C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const r = policyOf(call);
    if (r === false) return next(call);
    const ctx = call.ctx as unknown as ClientCallContext;
    const streamIn = takesStream(call.method);
    const policy = streamIn ? r.streamPolicy : r.policy;
    if (policy.maxRetries === 0) return next(call);
    if (policy.chainStop && isRetriedChain(ctx)) return next(call);
    const window = windowOf(call);
    if (policy.type === "failure" && policy.shouldRetry === undefined && !streamIn && !returnsStream(call.method)) {
      // fast path: the first attempt runs on the caller's context; the retry machinery starts on failure
      if (policy.circuit === "retries") window.record(true);
      const startedAt = policy.maxDurationMs > 0 ? Date.now() : undefined;
      let p: Promise<unknown>;
      try { p = next(call); } catch (e) { p = Promise.reject(e); }
      return p.then(policy.circuit === "errors" ? okRecorder(window) : undefined, (e) => {
        const env = { policy, window, replay: undefined, onRetry: options.onRetry, startedAt };
        return new RetryRun(call as unknown as Call<ClientCallContext>, next as unknown as Next<ClientCallContext>, env).continueAfter(e);
      });
    }
    const replay = streamIn ? new ReplayableRequests(call.request as AsyncIterable<unknown>, maxReplay) : undefined;
    const env = { policy, window, replay, onRetry: options.onRetry };
    return new RetryRun(call as unknown as Call<ClientCallContext>, next as unknown as Next<ClientCallContext>, env).run();
  }) as Middleware<ClientCallContext>;
}

function resolved(p: RetryPolicy): Resolved {
  const policy = resolveRetryPolicy(p);
  return { policy, streamPolicy: sequential(policy) };
}

/**
 * Request-streaming calls are retried one attempt at a time (a request stream is read by one
 * attempt at a time): mixed becomes failure retry, and a backup request has nothing to add.
 */
function sequential(p: ResolvedRetryPolicy): ResolvedRetryPolicy {
  if (p.type === "failure") return p;
  if (p.type === "backup") return Object.freeze({ ...p, maxRetries: 0 });
  return Object.freeze({ ...p, type: "failure", delayMs: 0 });
}

/**
 * True when this call is part of a chain that was already retried upstream: it carries the retry
 * mark, or it is made while serving a retried request (see `chainStop()`); then the mark is
 * passed on, so the whole chain below does not retry either.
 */
function isRetriedChain(ctx: ClientCallContext): boolean {
  const md = ctx.requestMetadata;
  if (md.size > 0 && (md.has(RETRY_MARK) || md.has(RETRY_MARK_TTHEADER))) return true;
  const inbound = inboundRetryMark();
  if (inbound === undefined) return false;
  (md as Metadata).set(RETRY_MARK, inbound);
  return true;
}

const recorders = new WeakMap<RollingWindow, (v: unknown) => unknown>();

/** A success handler per window, made once: the fast path allocates no closure on success. */
function okRecorder(window: RollingWindow): (v: unknown) => unknown {
  let f = recorders.get(window);
  if (f === undefined) recorders.set(window, (f = (v: unknown) => { window.record(true); return v; }));
  return f;
}
