import { Code, Metadata, RpcError, channels, type MetadataInit } from "../core/index.js";
import type { MethodDescriptor, MethodMap, ServiceDescriptor } from "../idl/descriptor.js";
import { ClientContext, type ClientCallContext } from "./context.js";
import type { OutgoingMessage } from "./message.js";
import { compose, type Call, type Middleware, type Next } from "./middleware.js";
import type { ClientTransport } from "./transport.js";

/** Per-call options; they beat the client's `defaults`. */
export interface CallOptions {
  /** Cancels the call; the call fails with CANCELLED (or the signal's RpcError reason). */
  signal?: AbortSignal;
  /** Relative timeout in ms; sent to the server as the deadline. */
  timeoutMs?: number;
  /** Absolute deadline; the earlier of this and `timeoutMs` wins. */
  deadline?: number | Date;
  metadata?: MetadataInit;
  /** Encoding for request messages: `gzip`, `deflate` or `identity` (default). */
  compression?: string;
  onHeader?: (headers: Metadata) => void;
  onTrailer?: (trailers: Metadata) => void;
}

type In<I> = I | OutgoingMessage<I>;

export type ClientMethod<D> = D extends MethodDescriptor<infer I, infer O, infer K>
  ? K extends "unary" ? (request: I, options?: CallOptions) => Promise<O>
  : K extends "server" ? (request: I, options?: CallOptions) => AsyncIterable<O>
  : K extends "client" ? (requests: AsyncIterable<In<I>> | Iterable<In<I>>, options?: CallOptions) => Promise<O>
  : K extends "bidi" ? (requests: AsyncIterable<In<I>> | Iterable<In<I>>, options?: CallOptions) => AsyncIterable<O>
  : never
  : never;

/** A typed client: one function per method of the service. */
export type Client<M extends MethodMap> = { readonly [K in keyof M]: ClientMethod<M[K]> };

export interface ClientOptions {
  /** Client middleware, outermost first. */
  middleware?: readonly Middleware<ClientCallContext>[];
  /** Options applied to every call unless the call sets its own. */
  defaults?: CallOptions;
}

/**
 * Create a typed client for a service over a transport.
 *
 * @example
 * const greeter = createClient(Greeter, createGrpcTransport({ target: "127.0.0.1:50051" }));
 * const reply = await greeter.SayHello({ name: "ada" }, { timeoutMs: 1000 });
 */
export function createClient<M extends MethodMap>(
  service: ServiceDescriptor<M>,
  transport: ClientTransport,
  options: ClientOptions = {},
): Client<M> {
  const mws = options.middleware ?? [];
  const inner: Next<ClientCallContext> = (call) => transport.call(call);
  const next = mws.length === 0 ? inner : compose(mws, inner);
  const client: Record<string, unknown> = {};
  for (const name of Object.keys(service.methods)) {
    client[name] = methodCaller(service.methods[name]!, transport, next, options.defaults ?? {});
  }
  return Object.freeze(client) as Client<M>;
}

function methodCaller(method: MethodDescriptor, transport: ClientTransport, next: Next<ClientCallContext>, defaults: CallOptions) {
  const start = (request: unknown, opts: CallOptions = {}): Promise<unknown> => {
    const md = new Metadata(defaults.metadata);
    if (opts.metadata) md.merge(new Metadata(opts.metadata));
    const ctx = new ClientContext({
      method, requestMetadata: md, peer: transport.target, protocol: transport.protocol,
      requestEncoding: opts.compression ?? defaults.compression,
      onHeader: opts.onHeader ?? defaults.onHeader, onTrailer: opts.onTrailer ?? defaults.onTrailer,
      signal: opts.signal ?? defaults.signal, timeoutMs: opts.timeoutMs ?? defaults.timeoutMs, deadline: opts.deadline ?? defaults.deadline,
    });
    const call: Call<ClientCallContext> = { method, request, ctx };
    if (channels.clientCallStart.hasSubscribers) channels.clientCallStart.publish({ ctx });
    let result: Promise<unknown>;
    try {
      result = next(call);
    } catch (e) {
      result = Promise.reject(e);
    }
    return result.then(
      (value) => {
        if (method.kind === "server" || method.kind === "bidi") return endAfter(value as AsyncIterable<unknown>, ctx);
        endClientCall(ctx, undefined);
        return value;
      },
      (e) => {
        const err = RpcError.from(e, Code.Unknown);
        endClientCall(ctx, err);
        throw err;
      },
    );
  };
  switch (method.kind) {
    case "unary":
      return (request: unknown, opts?: CallOptions) => start(request, opts);
    case "client":
      return (requests: AsyncIterable<unknown> | Iterable<unknown>, opts?: CallOptions) => start(toAsync(requests), opts);
    case "server":
      return (request: unknown, opts?: CallOptions) => lazyIterable(start(request, opts));
    case "bidi":
      return (requests: AsyncIterable<unknown> | Iterable<unknown>, opts?: CallOptions) => lazyIterable(start(toAsync(requests), opts));
  }
}

/** The call starts at once; its responses are read when the caller iterates. */
function lazyIterable(started: Promise<unknown>): AsyncIterable<unknown> {
  started.catch(() => {}); // reported to whoever iterates, never as an unhandled rejection
  return {
    [Symbol.asyncIterator]() {
      let inner: AsyncIterator<unknown> | undefined;
      const open = async () => (inner ??= ((await started) as AsyncIterable<unknown>)[Symbol.asyncIterator]());
      return {
        next: async () => (await open()).next(),
        return: async (value?: unknown) => {
          const it = await open().catch(() => undefined);
          return (await it?.return?.(value)) ?? { done: true, value };
        },
      };
    },
  };
}

/** A response stream that ends its call when it ends (done, failed, or left early). */
async function* endAfter(source: AsyncIterable<unknown>, ctx: ClientContext): AsyncGenerator<unknown> {
  let error: RpcError | undefined;
  try {
    yield* source;
  } catch (e) {
    throw (error = RpcError.from(e, Code.Unknown));
  } finally {
    endClientCall(ctx, error);
  }
}

/** The call is over: publish its end (`weir:rpc:client-call-*`, when someone listens) and dispose its scope. */
function endClientCall(ctx: ClientContext, error: RpcError | undefined): void {
  if (error !== undefined && channels.clientCallError.hasSubscribers) channels.clientCallError.publish({ ctx, error });
  if (channels.clientCallEnd.hasSubscribers) channels.clientCallEnd.publish({ ctx, error });
  ctx.dispose();
}

function toAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterable<T> {
  if (Symbol.asyncIterator in source) return source;
  return (async function* () { yield* source; })();
}
