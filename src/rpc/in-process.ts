import { Code, Metadata, RpcError, type CallScope } from "../core/index.js";
import { ServerContext, type ClientCallContext, type HeaderTarget } from "./context.js";
import { unwrapOutgoing } from "./message.js";
import type { Call } from "./middleware.js";
import type { Router } from "./router.js";
import type { ClientTransport } from "./transport.js";

/**
 * A transport that calls a Router in the same process: no bytes, no sockets, the same
 * middleware, context, deadlines and cancellation as a wire call. Messages still pass through the
 * method's codecs, so what a handler receives is what it would receive over the wire.
 *
 * @example
 * const client = createClient(Greeter, createInProcessTransport(router));
 */
export function createInProcessTransport(router: Router): ClientTransport {
  return {
    protocol: "in-process",
    target: "in-process",
    async call(call: Call<ClientCallContext>): Promise<unknown> {
      const { method, ctx } = call;
      const aborted = ctx.scope.reason;
      if (aborted !== undefined) throw aborted;
      const route = router.lookup(method.path);
      if (!route) throw new RpcError(Code.Unimplemented, `method ${method.path} is not implemented`);
      const serverCtx = new ServerContext({
        method: route.method, requestMetadata: new Metadata(ctx.requestMetadata), peer: "in-process", protocol: "in-process", deadline: ctx.deadline,
      });
      const onClientAbort = (reason: RpcError) => serverCtx.abort(reason);
      ctx.scope.onAbort(onClientAbort);
      const scope = { dispose: () => { ctx.scope.offAbort(onClientAbort); serverCtx.complete(); } };
      const delivery = (serverCtx.headerTarget = new Delivery(serverCtx, ctx));
      const request = method.kind === "client" || method.kind === "bidi"
        ? roundTrip(call.request as AsyncIterable<unknown>, method.input.encode, route.method.input.decode)
        : route.method.input.decode(method.input.encode(unwrapOutgoing(call.request)));
      try {
        const result = await untilAborted(route.invoke({ method: route.method, request, ctx: serverCtx }), serverCtx);
        if (method.kind === "server" || method.kind === "bidi") {
          return finish(roundTrip(result as AsyncIterable<unknown>, route.method.output.encode, method.output.decode, delivery), delivery, scope.dispose);
        }
        const reply = method.output.decode(route.method.output.encode(unwrapOutgoing(result)));
        delivery.sendHeaders();
        delivery.end();
        scope.dispose();
        return reply;
      } catch (e) {
        delivery.end();
        scope.dispose();
        throw RpcError.from(e);
      }
    },
    close: async () => {},
  };
}

/** Messages through their codecs, as on a wire; response messages first send the headers (as gRPC does). */
async function* roundTrip(source: AsyncIterable<unknown>, encode: (v: any) => Uint8Array, decode: (b: Uint8Array) => unknown, headers?: Delivery) {
  for await (const m of source) {
    headers?.sendHeaders();
    yield decode(encode(unwrapOutgoing(m)));
  }
}

async function* finish(source: AsyncIterable<unknown>, delivery: Delivery, dispose: () => void) {
  try {
    yield* source;
  } catch (e) {
    throw RpcError.from(e);
  } finally {
    delivery.end();
    dispose();
  }
}

/**
 * The server side's response headers and trailers, handed to the client side as a wire would: the
 * headers once, when the handler sends them (`ctx.sendHeaders()`), with the first message or with a
 * unary reply; a call that fails before that gets trailers only.
 */
class Delivery implements HeaderTarget {
  private headersSent = false;
  constructor(private readonly server: ServerContext, private readonly client: ClientCallContext) {}

  sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.client.responseHeaders.merge(this.server.responseHeaders);
    this.client.onHeader?.(this.client.responseHeaders);
  }

  end(): void {
    this.client.responseTrailers.merge(this.server.responseTrailers);
    this.client.onTrailer?.(this.client.responseTrailers);
  }
}

/** Settles with the call, or rejects with the scope's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, scope: CallScope): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    scope.onAbort(reject);
    p.then(resolve, reject).finally(() => scope.offAbort(reject));
  });
}
