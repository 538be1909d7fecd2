import { Code, Metadata, RpcError } from "../core/index.js";
import { ServerContext, type ClientCallContext, type HeaderTarget } from "./context.js";
import { unwrapOutgoing } from "./message.js";
import type { Call } from "./middleware.js";
import type { Router } from "./router.js";
import { beginServerCall, endServerCall, invokeRoute, untilAborted } from "./server-call.js";
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
      const onClientAbort = (reason: RpcError) => serverCtx.abort(reason); // the client's abort is the peer going away
      ctx.scope.onAbort(onClientAbort);
      const end = (error?: RpcError) => { ctx.scope.offAbort(onClientAbort); endServerCall(serverCtx, error); };
      beginServerCall(serverCtx);
      const delivery = (serverCtx.headerTarget = new Delivery(serverCtx, ctx));
      const request = method.kind === "client" || method.kind === "bidi"
        ? roundTrip(call.request as AsyncIterable<unknown>, method.input.encode, route.method.input.decode)
        : route.method.input.decode(method.input.encode(unwrapOutgoing(call.request)));
      try {
        const result = await untilAborted(invokeRoute(route, request, serverCtx), serverCtx);
        if (method.kind === "server" || method.kind === "bidi") {
          return finish(roundTrip(result as AsyncIterable<unknown>, route.method.output.encode, method.output.decode, delivery), delivery, end);
        }
        const reply = method.output.decode(route.method.output.encode(unwrapOutgoing(result)));
        delivery.sendHeaders();
        delivery.end();
        end();
        return reply;
      } catch (e) {
        const err = RpcError.from(e);
        delivery.end();
        end(err);
        throw err;
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

async function* finish(source: AsyncIterable<unknown>, delivery: Delivery, end: (error?: RpcError) => void) {
  let error: RpcError | undefined;
  try {
    yield* source;
  } catch (e) {
    throw (error = RpcError.from(e));
  } finally {
    delivery.end();
    end(error);
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
