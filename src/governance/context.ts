import type { Metadata, RpcError } from "../core/index.js";
import { ClientContext, ServerContext, type CallContext, type ClientCallContext, type ServerCallContext } from "../rpc/index.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** How a derived client context relates to its parent. */
export interface DeriveOptions {
  /** A time limit of its own; the earlier of it and the parent's deadline wins. Default: the parent's. */
  timeoutMs?: number | undefined;
  /** Request metadata of its own (a retry attempt adds its mark). Default: the parent's object. */
  requestMetadata?: Metadata | undefined;
  /**
   * Fresh response headers, trailers and callbacks (for attempts that may lose a race); the caller
   * copies them to the parent with `deliverResponse`. Default false: shared with the parent.
   */
  isolated?: boolean;
  /** Scratch values. Default: the parent's map. */
  values?: Map<unknown, unknown> | undefined;
}

/**
 * A client context that lives inside another: its own scope (deadline, cancellation), aborted when
 * the parent aborts. Governance middleware derives one per attempt or per time limit.
 * @internal
 */
export class DerivedClientContext extends ClientContext {
  /** True for a retry attempt's own context (isolated response, own values). */
  readonly attempt: boolean;
  /** @internal Scratch values of its own, else the parent's (see the getters below). */
  sharedValues: Map<unknown, unknown> | undefined;
  /** Aborts this scope when the parent's does; made once per context. */
  private readonly onParentAbort: (reason: RpcError) => void;

  constructor(readonly parent: ClientCallContext, o: DeriveOptions) {
    super({
      method: parent.method, requestMetadata: o.requestMetadata ?? parent.requestMetadata, peer: parent.peer,
      protocol: parent.protocol, requestEncoding: parent.requestEncoding,
      onHeader: o.isolated ? undefined : parent.onHeader, onTrailer: o.isolated ? undefined : parent.onTrailer,
      deadline: parent.deadline, timeoutMs: o.timeoutMs,
    });
    this.sharedValues = o.values;
    this.attempt = o.isolated ?? false;
    this.onParentAbort = (reason) => this.abort(reason);
    parent.scope.onAbort(this.onParentAbort);
  }

  /** Stop the deadline and detach from the parent; call once the derived call is over. */
  release(): void {
    this.dispose();
    this.parent.scope.offAbort(this.onParentAbort);
  }
}

// The base class builds these lazily (prototype getters); a derived context that is not an attempt
// shares its parent's response metadata, looked up (and built) only when asked for. The getters sit on the prototype, once: per-instance accessors would make every context slow.
const baseGetter = (key: string): (() => unknown) => Object.getOwnPropertyDescriptor(ClientContext.prototype, key)!.get!;
const getHeaders = baseGetter("responseHeaders"), getTrailers = baseGetter("responseTrailers");
Object.defineProperties(DerivedClientContext.prototype, {
  responseHeaders: { configurable: true, get(this: DerivedClientContext) { return this.attempt ? getHeaders.call(this) : this.parent.responseHeaders; } },
  responseTrailers: { configurable: true, get(this: DerivedClientContext) { return this.attempt ? getTrailers.call(this) : this.parent.responseTrailers; } },
  // values not given: the parent's, looked up (and built) only when asked for
  values: { configurable: true, get(this: DerivedClientContext) { return this.sharedValues ?? this.parent.values; } },
});

/** True when `ctx` is (inside) a retry attempt's context: the balancer reports its pick there. */
export function inAttempt(ctx: ClientCallContext): boolean {
  for (let c: ClientCallContext = ctx; c instanceof DerivedClientContext; c = c.parent) if (c.attempt) return true;
  return false;
}

/** Derive a client context with its own deadline (on the shared wheel) and cancellation. */
export function deriveClientContext(parent: ClientCallContext, o: DeriveOptions = {}): DerivedClientContext {
  return new DerivedClientContext(parent, o);
}

/** Copy an isolated attempt's response headers and trailers to the parent and run its callbacks. */
export function deliverResponse(from: ClientCallContext, to: ClientCallContext, trailers = true): void {
  if (from.responseHeaders !== to.responseHeaders && from.responseHeaders.size > 0) {
    to.responseHeaders.merge(from.responseHeaders);
  }
  if (from.onHeader !== to.onHeader) callSafely(to.onHeader, to.responseHeaders);
  if (!trailers) return;
  if (from.responseTrailers !== to.responseTrailers && from.responseTrailers.size > 0) {
    to.responseTrailers.merge(from.responseTrailers);
  }
  if (from.onTrailer !== to.onTrailer) callSafely(to.onTrailer, to.responseTrailers);
  if (to.lastResponseCompressed !== from.lastResponseCompressed) {
    (to as Mutable<ClientCallContext>).lastResponseCompressed = from.lastResponseCompressed;
  }
}

function callSafely(cb: ((md: Metadata) => void) | undefined, md: Metadata): void {
  if (cb === undefined) return;
  try { cb(md); } catch { /* a throwing callback must not change the outcome */ }
}

/** A server context with a shorter deadline of its own (server-side time limits). @internal */
export function deriveServerContext(parent: ServerCallContext, timeoutMs: number): { ctx: ServerContext; release(): void } {
  const ctx = new ServerContext({
    method: parent.method, requestMetadata: parent.requestMetadata, peer: parent.peer, protocol: parent.protocol,
    responseEncoding: parent.responseEncoding, deadline: parent.deadline, timeoutMs,
  });
  own(ctx, "responseHeaders", parent.responseHeaders);
  own(ctx, "responseTrailers", parent.responseTrailers);
  own(ctx, "values", parent.values);
  ctx.headerTarget = parent; // ctx.sendHeaders() reaches the transport
  const onAbort = (reason: RpcError) => ctx.abort(reason);
  parent.scope.onAbort(onAbort);
  return { ctx, release: () => { ctx.dispose(); parent.scope.offAbort(onAbort); } };
}

/** Give `obj` its own `key` (a field or a lazy getter of the base class alike). */
function own(obj: object, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(obj, key)) (obj as Record<string, unknown>)[key] = value;
  else Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: true });
}
