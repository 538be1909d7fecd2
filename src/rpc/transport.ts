import type { ClientCallContext } from "./context.js";
import type { Call } from "./middleware.js";

/**
 * What a client needs from a wire protocol. `call` runs one call and is the innermost `Next` of
 * the client middleware chain: it resolves to a message (unary, client-streaming) or to an
 * AsyncIterable of messages (server-streaming, bidi), and rejects with an RpcError.
 */
export interface ClientTransport {
  /** The protocol name put on contexts (`grpc`, `ttheader`, …). */
  readonly protocol: string;
  /** The target this transport talks to, for `ctx.peer`. */
  readonly target: string;
  call(call: Call<ClientCallContext>): Promise<unknown>;
  /** Close connections; calls in flight are cancelled. */
  close(): Promise<void>;
}
