import type { MethodDescriptor } from "../idl/descriptor.js";
import type { CallContext } from "./context.js";

/**
 * One call as middleware sees it. `request` is a message for unary and server-streaming methods
 * and an AsyncIterable of messages for client-streaming and bidi methods; `next` resolves to a
 * message for unary and client-streaming methods and to an AsyncIterable for the others.
 */
export interface Call<C extends CallContext = CallContext> {
  readonly method: MethodDescriptor;
  readonly request: unknown;
  readonly ctx: C;
}

export type Next<C extends CallContext = CallContext> = (call: Call<C>) => Promise<unknown>;

/**
 * The same shape for client and server, unary and streaming: `(next) => (call) => …`.
 * Generic over the context, so a `Middleware` written for any `CallContext` also fits where a
 * server-only or client-only one is asked for.
 */
export type Middleware<C extends CallContext = CallContext> = <X extends C>(next: Next<X>) => Next<X>;

/** The first middleware is the outermost layer. */
export function compose<C extends CallContext>(mws: readonly Middleware<C>[], inner: Next<C>): Next<C> {
  return mws.reduceRight<Next<C>>((next, mw) => mw<C>(next), inner);
}

/** True when the method takes a stream of requests. */
export function takesStream(method: MethodDescriptor): boolean {
  return method.kind === "client" || method.kind === "bidi";
}

/** True when the method returns a stream of responses. */
export function returnsStream(method: MethodDescriptor): boolean {
  return method.kind === "server" || method.kind === "bidi";
}
