import { Code, RpcError } from "../../core/index.js";
import type { Call, CallContext, ClientCallContext, Middleware, Next, ServerCallContext } from "../../rpc/index.js";
import { returnsStream } from "../../rpc/index.js";
import { deriveClientContext, deriveServerContext } from "../context.js";
import { afterCall } from "../stream-util.js";

/**
 * Options of `timeout()`.
 *
 * @example
 * timeout({ timeoutMs: 1000, methods: { Generate: 30_000 } })
 */
export interface TimeoutOptions {
  /** Time limit of each call, in ms; 0 means none. Default 0 (as Kitex: no RPC timeout). */
  timeoutMs?: number;
  /** Limits by method name or full path (`/pkg.Svc/Method`), beating `timeoutMs`; 0 means none. */
  methods?: Readonly<Record<string, number>>;
  /**
   * Apply the limit to streaming methods too, as a limit on the whole stream. Default false: as in
   * Kitex, the RPC timeout is for unary calls; streams use `streamIdleTimeout()` and the deadline.
   */
  streams?: boolean;
}

/**
 * Per-call RPC timeout. On a client it gives each call (each attempt, inside `retry()`) a deadline
 * of its own, the earlier of it and the caller's, which the transport sends to the server
 * (`grpc-timeout`, TTHeader RPC-timeout key) minus the time already spent; past it the call fails
 * with DEADLINE_EXCEEDED and the server is told to stop. On a server it limits the handler: its
 * `ctx.signal` aborts and a unary call answers DEADLINE_EXCEEDED.
 *
 * @example
 * createClient(Chat, transport, { middleware: [retry({ ... }), timeout({ timeoutMs: 1000 })] });
 */
export function timeout(options: TimeoutOptions): Middleware {
  const byMethod = options.methods ?? {};
  const base = options.timeoutMs ?? 0;
  for (const [k, v] of [["timeoutMs", base], ...Object.entries(byMethod)] as [string, number][]) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RpcError(Code.InvalidArgument, `timeout for ${k} must be a finite number of ms >= 0, got ${v}`);
  }
  const hasMethods = Object.keys(byMethod).length > 0;
  const streams = options.streams ?? false;
  const limitOf = (call: Call): number => {
    if (!streams && call.method.kind !== "unary") return 0;
    if (!hasMethods) return base;
    return byMethod[call.method.path] ?? byMethod[call.method.name] ?? base;
  };
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const ms = limitOf(call);
    if (ms === 0) return next(call);
    return call.ctx.side === "client"
      ? clientTimeout(next as unknown as Next<ClientCallContext>, call as unknown as Call<ClientCallContext>, ms)
      : serverTimeout(next as unknown as Next<ServerCallContext>, call as unknown as Call<ServerCallContext>, ms);
  };
}

function clientTimeout(next: Next<ClientCallContext>, call: Call<ClientCallContext>, ms: number): Promise<unknown> {
  const left = call.ctx.timeRemaining();
  if (left !== undefined && left <= ms) return next(call); // the caller's deadline comes first anyway
  const ctx = deriveClientContext(call.ctx, { timeoutMs: ms });
  let p: Promise<unknown>;
  try { p = next({ method: call.method, request: call.request, ctx }); } catch (e) { p = Promise.reject(e); }
  if (returnsStream(call.method)) return afterCall(p, true, () => ctx.release());
  return p.then(
    (value) => { ctx.release(); return value; },
    (e) => { ctx.release(); throw RpcError.from(e); },
  );
}

function serverTimeout(next: Next<ServerCallContext>, call: Call<ServerCallContext>, ms: number): Promise<unknown> {
  const { ctx, release } = deriveServerContext(call.ctx, ms);
  let p: Promise<unknown>;
  try { p = next({ method: call.method, request: call.request, ctx }); } catch (e) { p = Promise.reject(e); }
  if (returnsStream(call.method)) return afterCall(p, true, release);
  return new Promise((resolve, reject) => {
    const onAbort = (reason: RpcError) => reject(reason);
    ctx.scope.onAbort(onAbort);
    p.then(resolve, reject).finally(() => { ctx.scope.offAbort(onAbort); release(); });
  });
}
