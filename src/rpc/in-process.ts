import { Code, Metadata, RpcError, createCallScope } from "../core/index.js";
import { ServerContext, type ClientCallContext } from "./context.js";
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
      if (ctx.signal.aborted) throw RpcError.from(ctx.signal.reason, Code.Canceled);
      const route = router.lookup(method.path);
      if (!route) throw new RpcError(Code.Unimplemented, `method ${method.path} is not implemented`);
      const scope = createCallScope({ signal: ctx.signal, deadline: ctx.deadline });
      const serverCtx = new ServerContext(route.method, scope, new Metadata(ctx.requestMetadata), "in-process", "in-process");
      const request = method.kind === "client" || method.kind === "bidi"
        ? roundTrip(call.request as AsyncIterable<unknown>, method.input.encode, route.method.input.decode)
        : route.method.input.decode(method.input.encode(unwrapOutgoing(call.request)));
      try {
        const result = await untilAborted(route.invoke({ method: route.method, request, ctx: serverCtx }), scope.signal);
        if (method.kind === "server" || method.kind === "bidi") {
          ctx.responseHeaders.merge(serverCtx.responseHeaders);
          ctx.onHeader?.(ctx.responseHeaders);
          return finish(roundTrip(result as AsyncIterable<unknown>, route.method.output.encode, method.output.decode), serverCtx, ctx, scope.dispose);
        }
        const reply = method.output.decode(route.method.output.encode(unwrapOutgoing(result)));
        deliver(serverCtx, ctx);
        scope.dispose();
        return reply;
      } catch (e) {
        deliver(serverCtx, ctx);
        scope.dispose();
        throw RpcError.from(e);
      }
    },
    close: async () => {},
  };
}

async function* roundTrip(source: AsyncIterable<unknown>, encode: (v: any) => Uint8Array, decode: (b: Uint8Array) => unknown) {
  for await (const m of source) yield decode(encode(unwrapOutgoing(m)));
}

async function* finish(source: AsyncIterable<unknown>, server: ServerContext, client: ClientCallContext, dispose: () => void) {
  try {
    yield* source;
  } catch (e) {
    throw RpcError.from(e);
  } finally {
    deliver(server, client);
    dispose();
  }
}

function deliver(server: ServerContext, client: ClientCallContext): void {
  if (client.responseHeaders.size === 0) {
    client.responseHeaders.merge(server.responseHeaders);
    client.onHeader?.(client.responseHeaders);
  }
  client.responseTrailers.merge(server.responseTrailers);
  client.onTrailer?.(client.responseTrailers);
}

/** Settles with the call, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(RpcError.from(signal.reason, Code.Canceled));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
