import type http2 from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { ClientCallContext } from "../../rpc/index.js";

/** What a client of a saturated target is told to wait before trying again, in seconds. */
const RETRY_AFTER_SECONDS = "1";

interface Waiter {
  readonly ctx: ClientCallContext;
  readonly expiresAt: number;
  resolve(session: http2.ClientHttp2Session): void;
  reject(e: RpcError): void;
  /** Set once the waiter got a stream, failed, or left. */
  done: boolean;
  onAbort: (() => void) | undefined;
}

/**
 * @internal Calls waiting for a free HTTP/2 stream when every connection of a transport is full:
 * first come, first served, at most `max` of them, each for at most `timeoutMs` (or less, when
 * its own deadline or cancellation comes first). Every wait has the same length, so the oldest
 * waiter always expires first and one timer, armed for the head of the queue, serves them all.
 */
export class StreamWaiters {
  private queue: Waiter[] = [];
  private head = 0;
  private live = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onTimer = (): void => this.expire();

  constructor(
    private readonly max: number,
    private readonly timeoutMs: number,
    /** Describes the saturated target for error messages, e.g. "127.0.0.1:9090 (200 streams on 2 connections)". */
    private readonly describe: () => string,
  ) {}

  /** Calls waiting now. */
  get size(): number {
    return this.live;
  }

  /**
   * Wait for a session with a stream reserved for this call; rejects with RESOURCE_EXHAUSTED
   * when the queue is full, UNAVAILABLE when no stream frees in time, or the call's own abort.
   */
  wait(ctx: ClientCallContext): Promise<http2.ClientHttp2Session> {
    const aborted = ctx.scope.reason;
    if (aborted !== undefined) return Promise.reject(aborted);
    if (this.live >= this.max) {
      return Promise.reject(busy(Code.ResourceExhausted, `every HTTP/2 stream to ${this.describe()} is busy and ${this.max} calls already wait for one`));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { ctx, expiresAt: performance.now() + this.timeoutMs, resolve, reject, done: false, onAbort: undefined };
      w.onAbort = () => this.leave(w);
      ctx.scope.onAbort(w.onAbort);
      this.queue.push(w);
      this.live++;
      this.arm();
    });
  }

  /** Give `session` (with a stream already counted for it) to the oldest waiter; false when nobody waits. */
  serve(session: http2.ClientHttp2Session): boolean {
    const w = this.shift();
    if (w === undefined) return false;
    this.settle(w);
    w.resolve(session);
    return true;
  }

  /** Fail every waiting call (the transport is closing). */
  failAll(err: RpcError): void {
    for (let w = this.shift(); w !== undefined; w = this.shift()) {
      this.settle(w);
      w.reject(err);
    }
  }

  /** The oldest live waiter, taken off the queue; waiters that left are skipped. */
  private shift(): Waiter | undefined {
    for (;;) {
      const q = this.queue;
      if (this.head >= q.length) return undefined;
      const w = q[this.head]!;
      q[this.head++] = undefined as unknown as Waiter;
      if (this.head === q.length) {
        this.queue = [];
        this.head = 0;
      }
      if (!w.done) return w;
    }
  }

  /** The call was cancelled or reached its deadline while it waited. */
  private leave(w: Waiter): void {
    if (w.done) return;
    this.settle(w); // stays in the array, skipped by shift()
    w.reject(w.ctx.scope.reason ?? new RpcError(Code.Canceled, "the call was cancelled while it waited for a stream"));
  }

  private settle(w: Waiter): void {
    w.done = true;
    this.live--;
    w.ctx.scope.offAbort(w.onAbort!);
    if (this.live === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(): void {
    if (this.timer !== undefined || this.live === 0) return;
    const first = this.peek();
    if (first === undefined) return;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(first.expiresAt - performance.now())));
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let w = this.peek(); w !== undefined && w.expiresAt <= now; w = this.peek()) {
      this.shift();
      this.settle(w);
      w.reject(busy(Code.Unavailable, `no HTTP/2 stream to ${this.describe()} became free within ${this.timeoutMs} ms`));
    }
    this.arm();
  }

  private peek(): Waiter | undefined {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.done) q[this.head++] = undefined as unknown as Waiter;
    if (this.head < q.length) return q[this.head];
    this.queue = [];
    this.head = 0;
    return undefined;
  }
}

/** The error of a call the saturated transport could not start, with a retry hint (HTTP gateways answer 429/503 with Retry-After). */
function busy(code: Code, message: string): RpcError {
  return new RpcError(code, message, { metadata: { "retry-after": RETRY_AFTER_SECONDS } });
}
