import { RpcError } from "../../core/index.js";

/** @internal A response stream whose first message has arrived (or which ended without one). */
export interface Peeked {
  /** The first message, undefined when the stream was empty. */
  readonly first: unknown;
  /** The whole stream again, first message included; `onEnd` runs once when it ends. */
  stream(onEnd: () => void): AsyncIterable<unknown>;
  /** Close the stream unread (an attempt that lost). */
  cancel(): Promise<void>;
}

/**
 * @internal Wait for the first message of a response stream: an error before it rejects (the
 * attempt can be retried); after it, the stream belongs to the caller.
 */
export async function firstMessage(source: AsyncIterable<unknown>): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const head = await it.next();
  return {
    first: head.done ? undefined : head.value,
    stream(onEnd) {
      let pending: IteratorResult<unknown> | undefined = head;
      let ended = false;
      const end = () => { if (!ended) { ended = true; onEnd(); } };
      return {
        [Symbol.asyncIterator]: () => ({
          async next() {
            if (pending !== undefined) {
              const r = pending;
              pending = undefined;
              if (r.done) end();
              return r;
            }
            try {
              const r = await it.next();
              if (r.done) end();
              return r;
            } catch (e) {
              end();
              throw RpcError.from(e);
            }
          },
          async return(value?: unknown) {
            try {
              return (await it.return?.(value)) ?? { done: true, value };
            } finally {
              end();
            }
          },
        }),
      };
    },
    async cancel() {
      await it.return?.().catch(() => {});
    },
  };
}
