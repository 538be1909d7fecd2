import { RpcError } from "../core/index.js";

/**
 * Pass a stream through and call `onEnd` exactly once when it ends: with undefined after the last
 * message or when the consumer stops early (`return()`), with the RpcError it failed with.
 * The wrapper is one object with three methods, not a generator, so `return()` also reaches a
 * source that has not started.
 * @internal
 */
export function onStreamEnd<T>(source: AsyncIterable<T>, onEnd: (err: RpcError | undefined) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let ended = false;
      const end = (err: RpcError | undefined) => {
        if (ended) return;
        ended = true;
        onEnd(err);
      };
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done) end(undefined);
            return r;
          } catch (e) {
            const err = RpcError.from(e);
            end(err);
            throw err;
          }
        },
        async return(value?: unknown) {
          try {
            return (await it.return?.(value)) ?? { done: true, value: value as T };
          } finally {
            end(undefined);
          }
        },
      };
    },
  };
}

/** Settle `p` and run `onEnd`; streams (an AsyncIterable result) end when they end. @internal */
export function afterCall(p: Promise<unknown>, streaming: boolean, onEnd: (err: RpcError | undefined) => void): Promise<unknown> {
  return p.then(
    (value) => {
      if (streaming) return onStreamEnd(value as AsyncIterable<unknown>, onEnd);
      onEnd(undefined);
      return value;
    },
    (e) => {
      const err = RpcError.from(e);
      onEnd(err);
      throw err;
    },
  );
}

/**
 * The end of a call, as handlers made once (per counter, breaker, instance) rather than per call:
 * `track(p, streaming, completion)` then costs one `then` and no closure on unary calls.
 * @internal
 */
export interface Completion {
  readonly end: (err: RpcError | undefined) => void;
  readonly ok: (value: unknown) => unknown;
  readonly fail: (e: unknown) => never;
}

/** @internal */
export function completion(end: (err: RpcError | undefined) => void): Completion {
  return {
    end,
    ok: (value) => { end(undefined); return value; },
    fail: (e) => { const err = RpcError.from(e); end(err); throw err; },
  };
}

/** Like `afterCall`, with handlers made in advance. @internal */
export function track(p: Promise<unknown>, streaming: boolean, c: Completion): Promise<unknown> {
  return streaming ? p.then((value) => onStreamEnd(value as AsyncIterable<unknown>, c.end), c.fail) : p.then(c.ok, c.fail);
}
