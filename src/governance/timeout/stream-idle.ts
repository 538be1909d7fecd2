import { Code, RpcError } from "../../core/index.js";
import type { Call, CallContext, Middleware, Next } from "../../rpc/index.js";
import { returnsStream, takesStream } from "../../rpc/index.js";

/**
 * Options of `streamIdleTimeout()`; each limit is per message, and 0 turns it off.
 *
 * @example
 * streamIdleTimeout({ receiveMs: 30_000, sendMs: 10_000 })
 */
export interface StreamIdleOptions {
  /** Longest wait for the next incoming message once it is asked for. Default 0 (none). */
  receiveMs?: number;
  /**
   * Longest time a message handed to the transport may wait before the transport takes the next
   * one (the peer is not reading and flow control holds the stream). Default 0 (none).
   */
  sendMs?: number;
}

/**
 * Per-message stream timeouts, receive and send, on clients and servers. An incoming stream that
 * stays silent for `receiveMs`, or an outgoing one stuck for `sendMs`, fails the call with
 * DEADLINE_EXCEEDED; the client cancels the stream on the wire, a server's handler sees the error
 * thrown from its request stream (receive) or its signal abort (send, where the context allows).
 * Unary calls are not affected: use `timeout()` for them.
 *
 * @example
 * createClient(Chat, transport, { middleware: [streamIdleTimeout({ receiveMs: 30_000 })] });
 */
export function streamIdleTimeout(options: StreamIdleOptions): Middleware {
  const receiveMs = options.receiveMs ?? 0;
  const sendMs = options.sendMs ?? 0;
  for (const [k, v] of [["receiveMs", receiveMs], ["sendMs", sendMs]] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RpcError(Code.InvalidArgument, `streamIdleTimeout ${k} must be a finite number of ms >= 0, got ${v}`);
  }
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const inStream = takesStream(call.method), outStream = returnsStream(call.method);
    if (!inStream && !outStream) return next(call);
    const client = call.ctx.side === "client";
    // the client sends requests and receives responses; the server the other way round
    const requestMs = client ? sendMs : receiveMs;
    const responseMs = client ? receiveMs : sendMs;
    let c: Call<C> = call;
    if (inStream && requestMs > 0) {
      const request = client
        ? watchSend(call.request as AsyncIterable<unknown>, requestMs, call.ctx)
        : watchReceive(call.request as AsyncIterable<unknown>, requestMs, call.ctx);
      c = { method: call.method, request, ctx: call.ctx };
    }
    const p = next(c);
    if (!outStream || responseMs === 0) return p;
    return p.then((out) => client
      ? watchReceive(out as AsyncIterable<unknown>, responseMs, call.ctx)
      : watchSend(out as AsyncIterable<unknown>, responseMs, call.ctx));
  };
}

/** Each `next()` must settle within `ms`, or the stream fails and the call is aborted. */
function watchReceive<T>(source: AsyncIterable<T>, ms: number, ctx: CallContext): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let timer: NodeJS.Timeout | undefined;
      let armed = false;
      let fail: ((e: RpcError) => void) | undefined;
      const idle = new Promise<never>((_, reject) => { fail = reject; });
      idle.catch(() => {});
      const fire = () => {
        if (!armed) return;
        const err = new RpcError(Code.DeadlineExceeded, `stream idle: no message received for ${ms}ms`);
        ctx.scope.abort(err);
        fail!(err);
      };
      return {
        async next() {
          armed = true;
          if (timer === undefined) timer = setTimeout(fire, ms).unref();
          else timer.refresh();
          try {
            return await Promise.race([it.next(), idle]);
          } finally {
            armed = false;
          }
        },
        async return(value?: unknown) {
          clearTimeout(timer);
          return (await it.return?.(value)) ?? { done: true, value: value as T };
        },
      };
    },
  };
}

/** After each message is handed over, the next `next()` must come within `ms`, or the call is aborted. */
function watchSend<T>(source: AsyncIterable<T>, ms: number, ctx: CallContext): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let timer: NodeJS.Timeout | undefined;
      let failed: RpcError | undefined;
      let armed = false;
      const fire = () => {
        if (!armed) return;
        failed = new RpcError(Code.DeadlineExceeded, `stream idle: a message waited ${ms}ms to be sent (the peer is not reading)`);
        ctx.scope.abort(failed);
      };
      return {
        async next() {
          armed = false;
          if (failed !== undefined) throw failed;
          const r = await it.next();
          if (!r.done) {
            armed = true;
            if (timer === undefined) timer = setTimeout(fire, ms).unref();
            else timer.refresh();
          } else clearTimeout(timer);
          return r;
        },
        async return(value?: unknown) {
          armed = false;
          clearTimeout(timer);
          return (await it.return?.(value)) ?? { done: true, value: value as T };
        },
      };
    },
  };
}
