import { Code, Metadata, RpcError } from "../../core/index.js";
import { returnsStream, type Call, type ClientCallContext, type Next } from "../../rpc/index.js";
import type { RollingWindow } from "../circuit-breaker/window.js";
import { DerivedClientContext, deliverResponse, deriveClientContext } from "../context.js";
import { AVOID_INSTANCES, PICKED_INSTANCE, RETRY_MARK, instanceOf } from "../keys.js";
import { RetryCircuit } from "./circuit.js";
import { backoffDelay, type ResolvedRetryPolicy } from "./options.js";
import type { ReplayableRequests } from "./replay.js";
import { firstMessage, type Peeked } from "./peek.js";

/** What an attempt ended with. */
type Outcome = { ok: true; value: unknown; first?: Peeked } | { ok: false; error: RpcError };

/** Called before every retry and backup request (logging, metrics, tests). */
export type RetryListener = (info: { method: string; attempt: number; reason: string }) => void;

/** @internal Everything one retried call needs besides the call itself. */
export interface RunEnv {
  readonly policy: ResolvedRetryPolicy;
  readonly window: RollingWindow;
  readonly replay: ReplayableRequests<unknown> | undefined;
  readonly onRetry: RetryListener | undefined;
  /** When the call's first attempt started (Date.now()); default: when the run is made. */
  readonly startedAt?: number;
}

/**
 * @internal One call under a retry policy: failure retry (sequential), backup request (first
 * result wins) or mixed (first non-retryable result wins). Attempts of streaming methods are
 * judged by their first message; once one is delivered the call is never retried.
 */
export class RetryRun {
  private readonly started: number;
  private attempts = 0;
  private pending = 0;
  private finished = false;
  private last: Outcome | undefined;
  private lastCtx: ClientCallContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly live = new Set<DerivedClientContext>();
  private readonly tried: string[] = [];
  private resolve!: (v: unknown) => void;
  private reject!: (e: unknown) => void;
  private readonly max: number;
  private readonly streaming: boolean;

  constructor(private readonly call: Call<ClientCallContext>, private readonly next: Next<ClientCallContext>, private readonly env: RunEnv) {
    this.max = env.policy.maxRetries + 1;
    this.started = env.startedAt ?? Date.now();
    this.streaming = returnsStream(call.method);
  }

  run(): Promise<unknown> {
    const done = new Promise<unknown>((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    const parent = this.call.ctx;
    parent.scope.onAbort(this.onParentAbort);
    this.start();
    return done;
  }

  /**
   * Go on after a first attempt that ran on the caller's context and failed (the fast path of
   * failure retry, which costs nothing when the first attempt succeeds).
   */
  continueAfter(error: unknown): Promise<unknown> {
    const done = new Promise<unknown>((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    const parent = this.call.ctx;
    parent.scope.onAbort(this.onParentAbort);
    this.attempts = 1;
    this.pending = 1;
    this.settle(parent, { ok: false, error: RpcError.from(error) });
    return done;
  }

  private readonly onParentAbort = (reason: RpcError): void => {
    if (!this.finished && this.pending === 0) this.finish({ ok: false, error: reason }, undefined);
  };

  private start(): void {
    const i = this.attempts++;
    const p = this.env.policy;
    if (p.circuit === "retries") this.env.window.record(i === 0);
    if (i > 0) this.env.onRetry?.({ method: this.call.method.path, attempt: i, reason: this.reasonText() });
    const ctx = this.attemptContext(i);
    const request = this.env.replay !== undefined ? this.env.replay.reader() : this.call.request;
    this.pending++;
    let out: Promise<unknown>;
    try { out = this.next({ method: this.call.method, request, ctx }); } catch (e) { out = Promise.reject(e); }
    this.notePicked(ctx); // a balanced transport picks synchronously: later hedges avoid this instance
    if (this.streaming) out = out.then((s) => firstMessage(s as AsyncIterable<unknown>));
    out.then(
      (value) => this.settle(ctx, this.streaming ? { ok: true, value, first: value as Peeked } : { ok: true, value }),
      (e) => this.settle(ctx, { ok: false, error: RpcError.from(e) }),
    );
    if (p.delayMs > 0 && this.attempts < this.max) this.armHedge();
  }

  /** The first attempt of a failure retry runs on the caller's context; others get their own. */
  private attemptContext(i: number): ClientCallContext {
    const parent = this.call.ctx;
    if (i === 0 && this.env.policy.type === "failure") return parent;
    let md = parent.requestMetadata;
    if (i > 0) md = new Metadata(md).set(RETRY_MARK, String(i));
    const values = new Map(parent.values);
    values.delete(PICKED_INSTANCE);
    if (!this.env.policy.retrySameInstance && this.tried.length > 0) values.set(AVOID_INSTANCES, this.tried.slice());
    const ctx = deriveClientContext(parent, { requestMetadata: md, isolated: true, values });
    this.live.add(ctx);
    return ctx;
  }

  /** The instance an attempt's context went to (attempt contexts only; failures also carry it). */
  private notePicked(ctx: ClientCallContext): void {
    if (ctx instanceof DerivedClientContext) this.noteAddress(ctx.values.get(PICKED_INSTANCE));
  }

  private noteAddress(address: unknown): void {
    if (typeof address === "string" && !this.tried.includes(address)) this.tried.push(address);
  }

  private armHedge(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.finished || this.attempts >= this.max) return;
      if (this.stopReason() === undefined) this.start();
      else this.armHedge();
    }, this.env.policy.delayMs);
  }

  private settle(ctx: ClientCallContext, outcome: Outcome): void {
    this.pending--;
    this.notePicked(ctx);
    if (!outcome.ok) this.noteAddress(instanceOf(outcome.error));
    if (this.finished) return this.discard(ctx, outcome);
    const p = this.env.policy;
    const parentAbort = this.call.ctx.scope.reason;
    if (parentAbort !== undefined) return this.finish(outcome.ok ? outcome : { ok: false, error: parentAbort }, ctx);
    if (p.circuit === "errors") this.env.window.record(outcome.ok);
    if (p.type === "backup" || !this.retryable(outcome, ctx)) return this.finish(outcome, ctx);
    this.keepLast(outcome, ctx);
    if (ctx === this.call.ctx) clearResponse(ctx);
    if (this.attempts < this.max) {
      const why = this.stopReason();
      if (why === undefined) return this.retryAfterBackoff();
      if (this.pending === 0) return this.finish(this.annotated(why), this.lastCtx);
    }
    if (this.pending === 0 && (this.timer === undefined || this.attempts >= this.max)) this.finish(this.last!, this.lastCtx);
  }

  private retryAfterBackoff(): void {
    const wait = backoffDelay(this.env.policy.backoff);
    if (wait <= 0) return this.start();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.finished) return;
      const parentAbort = this.call.ctx.scope.reason;
      if (parentAbort !== undefined) return this.finish({ ok: false, error: parentAbort }, undefined);
      this.start();
    }, wait);
  }

  private retryable(o: Outcome, ctx: ClientCallContext): boolean {
    const p = this.env.policy;
    if (p.shouldRetry !== undefined) {
      const verdict = p.shouldRetry(o.ok ? { response: o.first !== undefined ? o.first.first : o.value } : { error: o.error }, ctx);
      if (verdict !== undefined) return verdict;
    }
    if (o.ok) return false;
    return p.retryOn.has(o.error.code);
  }

  /** Why no further attempt may start now, or undefined. */
  private stopReason(): string | undefined {
    const p = this.env.policy;
    if (this.call.ctx.scope.reason !== undefined) return "the call was cancelled";
    if (this.env.replay !== undefined && !this.env.replay.replayable) return "the request stream is too long to send again";
    if (p.maxDurationMs > 0 && Date.now() - this.started >= p.maxDurationMs) {
      return `retry[${this.attempts}] exceeds max duration ${p.maxDurationMs}ms`;
    }
    return RetryCircuit.blocked(this.env.window, p.errorRate);
  }

  private keepLast(o: Outcome, ctx: ClientCallContext): void {
    if (this.last !== undefined && this.lastCtx !== undefined) this.discard(this.lastCtx, this.last);
    this.last = o;
    this.lastCtx = ctx;
  }

  private annotated(why: string): Outcome {
    const o = this.last!;
    if (o.ok) return o;
    const e = o.error;
    return { ok: false, error: new RpcError(e.code, `${e.rawMessage} (not retried: ${why})`, { cause: e, metadata: e.metadata, details: e.details }) };
  }

  private reasonText(): string {
    const o = this.last;
    return o === undefined ? `no result after ${this.env.policy.delayMs}ms` : o.ok ? "result judged retryable" : o.error.message;
  }

  private finish(o: Outcome, ctx: ClientCallContext | undefined): void {
    this.finished = true;
    clearTimeout(this.timer);
    const parent = this.call.ctx;
    parent.scope.offAbort(this.onParentAbort);
    let loser: RpcError | undefined;
    for (const c of this.live) if (c !== ctx) c.abort((loser ??= new RpcError(Code.Canceled, "another attempt of this call finished first")));
    if (this.last !== undefined && this.lastCtx !== ctx && this.lastCtx !== undefined) this.discard(this.lastCtx, this.last);
    if (ctx !== undefined && ctx !== parent) deliverResponse(ctx, parent, !o.ok || !this.streaming);
    this.env.replay?.release();
    if (!o.ok) {
      if (ctx instanceof DerivedClientContext) this.releaseCtx(ctx);
      void this.env.replay?.close();
      return this.reject(o.error);
    }
    if (o.first !== undefined) return this.resolve(o.first.stream(() => this.endStream(ctx)));
    if (ctx instanceof DerivedClientContext) this.releaseCtx(ctx);
    this.resolve(o.value);
  }

  private endStream(ctx: ClientCallContext | undefined): void {
    if (ctx instanceof DerivedClientContext) {
      deliverResponse(ctx, this.call.ctx, true);
      this.releaseCtx(ctx);
    }
  }

  /** An attempt that lost: close its stream, free its context. */
  private discard(ctx: ClientCallContext, o: Outcome): void {
    if (o.ok && o.first !== undefined) void o.first.cancel();
    if (ctx instanceof DerivedClientContext) this.releaseCtx(ctx);
  }

  private releaseCtx(ctx: DerivedClientContext): void {
    if (this.live.delete(ctx)) ctx.release();
  }
}

/** Forget what a failed attempt on the caller's own context received. */
function clearResponse(ctx: ClientCallContext): void {
  for (const md of [ctx.responseHeaders, ctx.responseTrailers]) for (const k of [...md.keys()]) md.delete(k);
}
