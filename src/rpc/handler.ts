import type { MethodDescriptor, MethodMap } from "../idl/descriptor.js";
import type { ServerCallContext } from "./context.js";
import type { OutgoingMessage } from "./message.js";

type Out<O> = O | OutgoingMessage<O>;

export type UnaryHandler<I, O> = (request: I, ctx: ServerCallContext) => Out<O> | Promise<Out<O>>;
export type ServerStreamHandler<I, O> = (request: I, ctx: ServerCallContext) => AsyncIterable<Out<O>>;
export type ClientStreamHandler<I, O> = (requests: AsyncIterable<I>, ctx: ServerCallContext) => Promise<Out<O>>;
export type BidiStreamHandler<I, O> = (requests: AsyncIterable<I>, ctx: ServerCallContext) => AsyncIterable<Out<O>>;

/** The handler shape for one method descriptor, chosen by its kind. */
export type HandlerOf<D> = D extends MethodDescriptor<infer I, infer O, infer K>
  ? K extends "unary" ? UnaryHandler<I, O>
  : K extends "server" ? ServerStreamHandler<I, O>
  : K extends "client" ? ClientStreamHandler<I, O>
  : K extends "bidi" ? BidiStreamHandler<I, O>
  : never
  : never;

/**
 * An implementation of a service: one handler per method. A method left out answers UNIMPLEMENTED.
 *
 * @example
 * const impl: ServiceImpl<typeof Greeter.methods> = {
 *   SayHello: async (req) => ({ message: `hello ${req.name}` }),
 *   async *Chat(reqs, ctx) { for await (const r of reqs) yield r; },
 * };
 */
export type ServiceImpl<M extends MethodMap> = { [K in keyof M]?: HandlerOf<M[K]> };

export type AnyHandler = (request: any, ctx: ServerCallContext) => unknown;
