import { Code, RpcError } from "../../core/index.js";
import { overLimit } from "../../governance/limit/index.js";
import type { InferContext, Model } from "../model.js";
import type { Tensor } from "../tensor.js";
import { levelOf, timeoutOf } from "./admit.js";
import { resolveBatchPolicy, resolveBatcherOptions, type BatchPolicy, type BatcherOptions, type ResolvedBatcherOptions } from "./options.js";
import { PriorityQueues, QueuedRequest, RequestState, sameOutputs, type Abandon, type RunningBatch } from "./queue.js";
import { BATCHED, isBatched, type BatchedModel, type BatcherStats } from "./batched.js";
import { checkOutputs, concatInputs, inputBytes, requestRows, signatureOf, sliceOutputs } from "./tensors.js";

/**
 * Serve `model` through a dynamic batcher with Triton's semantics (its config's `maxBatchSize` and
 * `dynamicBatching`). Requests whose inputs have the same names, datatypes, shapes after dimension 0
 * and parameters are joined along dimension 0, the model runs once, and each request gets its own
 * rows of every output, exactly as if it had run alone. One batch runs at a time per instance.
 *
 * @example
 * const model = batchModel(defineModel({ name: "mlp", maxBatchSize: 32,
 *   dynamicBatching: { maxQueueDelayMicroseconds: 500 }, inputs, outputs }, runMlp));
 */
export function batchModel(model: Model, options?: BatcherOptions): BatchedModel {
  if (isBatched(model)) return model;
  const o = resolveBatcherOptions(options);
  return new DynamicBatcher(model, o, resolveBatchPolicy(model.config, o));
}

class DynamicBatcher implements BatchedModel, Abandon {
  readonly [BATCHED] = true;
  readonly config: Model["config"];
  private readonly queues: PriorityQueues;
  private readonly clock: ResolvedBatcherOptions["clock"];
  private readonly running = new Set<RunningBatch>();
  private pumpScheduled = false;
  private readonly pumpNow = () => this.pump();
  private readonly onTimer = () => this.timerFired();
  private timer: unknown = undefined;
  private timerAt = Infinity;
  /** Earliest deadline of a queued request (it may have left since: then the timer finds nothing). */
  private nextDeadline = Infinity;
  /** When the oldest request of the batch being formed has waited its `maxQueueDelay`. */
  private batchDueAt = Infinity;
  private closing: { resolve: () => void; promise: Promise<void>; timer: unknown } | undefined;
  private closed: Promise<void> | undefined;
  private averageBatchMicros = 0;
  private counts = { batches: 0, requests: 0, rows: 0 };

  constructor(readonly inner: Model, private readonly o: ResolvedBatcherOptions, private readonly policy: BatchPolicy) {
    this.config = inner.config;
    this.queues = new PriorityQueues(policy.levels);
    this.clock = o.clock;
  }

  infer(inputs: readonly Tensor[], ctx: InferContext): Promise<readonly Tensor[]> {
    try {
      return this.enqueue(inputs, ctx).promise;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  stats(): BatcherStats {
    return { queued: this.queues.size, queuedBytes: this.queues.bytes, running: this.running.size, ...this.counts };
  }

  private enqueue(inputs: readonly Tensor[], ctx: InferContext): QueuedRequest {
    const name = this.config.name, p = this.policy;
    if (this.closing !== undefined) throw new RpcError(Code.Unavailable, `model ${name} is unloading`);
    if (ctx.signal.aborted) throw RpcError.from(ctx.signal.reason, Code.Canceled);
    const rows = requestRows(inputs, p.maxBatchSize, name);
    const level = levelOf(ctx.parameters, p, name);
    const queue = this.queues.levels[level - 1]!;
    if (queue.size >= queue.policy.maxQueueSize) throw this.full(`the queue of priority level ${level} is full (${queue.policy.maxQueueSize} requests; Exceeds maximum queue size)`);
    const bytes = inputBytes(inputs);
    if (this.queues.bytes + bytes > this.o.maxQueueBytes) throw this.full(`its queued inputs would pass ${this.o.maxQueueBytes} bytes`);
    const now = this.clock.nowMicros();
    const timeout = timeoutOf(ctx.parameters, p, level, name);
    const r = new QueuedRequest(this, inputs, ctx, rows, bytes, level, signatureOf(inputs, ctx.parameters), now, timeout === 0 ? Infinity : now + timeout, now + this.o.maxQueueTimeMicroseconds);
    this.queues.push(r);
    ctx.signal.addEventListener("abort", r); // removed by settle(); { once } would cost more per request
    this.nextDeadline = Math.min(this.nextDeadline, r.timeoutAt, r.expireAt);
    this.schedulePump();
    return r;
  }

  /** RESOURCE_EXHAUSTED with a retry hint: about the time the queue ahead takes to run. */
  private full(why: string): RpcError {
    const batchesAhead = Math.ceil(this.queues.size / this.policy.maxBatchSize) + 1;
    const ms = (batchesAhead * this.averageBatchMicros) / 1000 / this.o.instances;
    return overLimit(`model ${this.config.name} is overloaded: ${why}; retry later`, Math.max(1000, ms));
  }

  abandon(r: QueuedRequest): void {
    const reason = RpcError.from(r.ctx.signal.reason, Code.Canceled);
    if (r.state === RequestState.Queued) {
      this.queues.remove(r);
      this.settle(r, undefined, reason);
      this.afterDeparture();
    } else if (r.state === RequestState.Running) {
      const batch = r.batch!;
      this.settle(r, undefined, reason);
      if (--batch.live === 0) batch.controller.abort(new RpcError(Code.Canceled, "every request of the batch went away"));
    }
  }

  private settle(r: QueuedRequest, outputs: readonly Tensor[] | undefined, error?: unknown): void {
    r.state = RequestState.Done;
    r.batch = undefined;
    r.ctx.signal.removeEventListener("abort", r);
    if (outputs !== undefined) r.resolve(outputs);
    else r.reject(error);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.clock.defer(this.pumpNow);
  }

  /** Start every batch that may run now; arm the timer for what must wait. */
  private pump(): void {
    this.pumpScheduled = false;
    const now = this.clock.nowMicros();
    this.batchDueAt = Infinity;
    while (this.running.size < this.o.instances && this.queues.size > 0) {
      const n = this.plan(now);
      if (n === 0) break;
      this.start(n);
    }
    this.armTimer(now);
  }

  /**
   * How many requests, from the front of the queues, to run now; 0 = wait. Requests join while
   * they share the first one's signature and fit in `maxBatchSize`; the batch runs at once when it
   * reaches a preferred size (the largest reached wins) or `maxBatchSize`, when the next request
   * cannot join, or when its oldest request has waited `maxQueueDelayMicroseconds`.
   */
  private plan(now: number): number {
    const head = this.queues.first()!, p = this.policy;
    let rows = 0, n = 0, best = 0, oldest = Infinity, cut = false;
    for (let r: QueuedRequest | undefined = head; r !== undefined; r = this.queues.after(r)) {
      if (r.signature !== head.signature || rows + r.rows > p.maxBatchSize) {
        cut = true;
        break;
      }
      rows += r.rows;
      n++;
      if (r.enqueuedAt < oldest) oldest = r.enqueuedAt;
      if (p.preferred.has(rows)) best = n;
      if (rows === p.maxBatchSize) break;
    }
    if (best > 0) return best;
    if (cut || this.closing !== undefined || now >= oldest + p.maxQueueDelayMicros) return n;
    this.batchDueAt = oldest + p.maxQueueDelayMicros;
    return 0;
  }

  /** Take the first `n` requests off the queues and run them as one batch. */
  private start(n: number): void {
    const members: QueuedRequest[] = new Array(n);
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const r = this.queues.first()!;
      this.queues.remove(r);
      r.state = RequestState.Running;
      members[i] = r;
      rows += r.rows;
    }
    const batch: RunningBatch = { live: n, controller: new AbortController(), members };
    for (const r of members) r.batch = batch;
    this.running.add(batch);
    const head = members[0]!;
    const outputs = sameOutputs(members) ? head.ctx.outputs : undefined;
    const ctx: InferContext = { signal: batch.controller.signal, parameters: head.ctx.parameters, outputs };
    const inputs = n === 1 ? head.inputs : concatInputs(members, rows);
    this.counts.batches++;
    this.counts.requests += n;
    this.counts.rows += rows;
    const started = this.clock.nowMicros();
    let result: ReturnType<Model["infer"]>;
    try {
      result = this.inner.infer(inputs, ctx);
    } catch (e) {
      this.finish(batch, rows, started, undefined, e);
      return;
    }
    if (isPromise(result)) result.then((out) => this.finish(batch, rows, started, out), (e: unknown) => this.finish(batch, rows, started, undefined, e));
    else this.finish(batch, rows, started, result);
  }

  /** Hand each member still waiting its rows of the outputs (or the error), then start the next batch. */
  private finish(batch: RunningBatch, rows: number, started: number, outputs: readonly Tensor[] | undefined, error?: unknown): void {
    if (!this.running.delete(batch)) return; // answered already when a drain ran out of time
    this.averageBatchMicros += (this.clock.nowMicros() - started - this.averageBatchMicros) / 8;
    if (batch.live > 0) {
      try {
        if (outputs === undefined) throw error;
        this.deliver(batch, rows, outputs);
      } catch (e) {
        const err = RpcError.from(e, Code.Internal);
        for (const r of batch.members) if (r.state === RequestState.Running) this.settle(r, undefined, err);
      }
    }
    this.afterDeparture();
    this.schedulePump();
  }

  private deliver(batch: RunningBatch, rows: number, outputs: readonly Tensor[]): void {
    const members = batch.members;
    if (members.length === 1) {
      if (members[0]!.state === RequestState.Running) this.settle(members[0]!, outputs);
      return;
    }
    checkOutputs(outputs, rows, this.config.name);
    const sent = sameOutputs(members);
    let from = 0;
    for (const r of members) {
      if (r.state === RequestState.Running) this.settle(r, sliceOutputs(outputs, from, r.rows, sent ? undefined : r.ctx.outputs));
      from += r.rows;
    }
  }

  private armTimer(now: number): void {
    if (this.queues.size === 0) this.nextDeadline = this.batchDueAt = Infinity;
    const at = Math.min(this.batchDueAt, this.nextDeadline);
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at !== Infinity) this.timer = this.clock.setTimer(this.onTimer, Math.max(0, at - now));
  }

  private timerFired(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.nowMicros();
    if (now >= this.nextDeadline) this.expire(now);
    this.pump();
  }

  /** Answer or defer every queued request past its timeout; find the next deadline. */
  private expire(now: number): void {
    let next = Infinity;
    for (const list of this.queues.allLists()) {
      for (let r = list.head, after = r?.next; r !== undefined; r = after, after = r?.next) {
        if (now >= r.expireAt) this.drop(r, new RpcError(Code.Unavailable, `request waited in the queue of model ${this.config.name} longer than ${this.o.maxQueueTimeMicroseconds} µs`));
        else if (now < r.timeoutAt) next = Math.min(next, r.timeoutAt, r.expireAt);
        else if (list.level.policy.timeoutAction === "REJECT") this.drop(r, new RpcError(Code.Unavailable, "Request timeout expired"));
        else {
          r.timeoutAt = Infinity;
          if (list !== list.level.delayed) this.queues.delay(r);
          next = Math.min(next, r.expireAt);
        }
      }
    }
    this.nextDeadline = next;
    this.afterDeparture();
  }

  private drop(r: QueuedRequest, error: RpcError): void {
    this.queues.remove(r);
    this.settle(r, undefined, error);
  }

  close(): Promise<void> {
    return (this.closed ??= this.drain().then(() => this.inner.close?.()));
  }

  drain(): Promise<void> {
    if (this.closing !== undefined) return this.closing.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((res) => (resolve = res));
    const timer = this.clock.setTimer(() => this.giveUp(), this.o.drainTimeoutMs * 1000);
    this.closing = { resolve, promise, timer };
    this.afterDeparture();
    this.schedulePump();
    return promise;
  }

  /** The drain ran out of time: answer everyone still waiting, abort running batches. */
  private giveUp(): void {
    const gone = new RpcError(Code.Unavailable, `model ${this.config.name} was unloaded before this request finished`);
    for (const list of this.queues.allLists()) while (list.head !== undefined) this.drop(list.head, gone);
    for (const batch of this.running) {
      for (const r of batch.members) if (r.state === RequestState.Running) this.settle(r, undefined, gone);
      batch.controller.abort(gone);
    }
    this.running.clear();
    this.afterDeparture();
  }

  /** When closing and nothing is left, finish the close. */
  private afterDeparture(): void {
    if (this.queues.size === 0) this.armTimer(0); // nothing left to wait for: no timer, no stale deadline
    const c = this.closing;
    if (c === undefined || this.queues.size > 0 || this.running.size > 0) return;
    this.clock.clearTimer(c.timer);
    c.resolve();
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}
