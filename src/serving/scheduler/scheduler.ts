import { setImmediate as nextTurn } from "node:timers/promises";
import { Code, Metadata, RpcError } from "../../core/index.js";
import { EngineStats } from "../engines/stats.js";
import type { SteppedModel, StepRow } from "../engines/stepped.js";
import type { ResolvedSchedulerOptions } from "./options.js";
import type { Sequence, SequenceOwner } from "./sequence.js";
import { SchedulerStats } from "./stats.js";

/** The scheduler's clock: `now()` in ms, and a wait until a time (tests pass their own). */
export interface SchedulerClock {
  now(): number;
  sleepUntil(t: number): Promise<void>;
}

export const REAL_CLOCK: SchedulerClock = {
  now: () => performance.now(),
  sleepUntil: (t) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now()))),
};

/**
 * Iteration-level scheduling (continuous batching): one loop runs one model step at a time for
 * every running sequence. Between steps, finished and cancelled sequences leave, waiting ones join
 * (up to `maxNumSeqs`), prompts are fed in chunks within `maxBatchedTokens` after every running
 * sequence's one decode token, and a sequence whose reader is `maxBufferedSteps` behind leaves the
 * batch (preempted, state kept) until its reader catches up.
 */
export class Scheduler<S> implements SequenceOwner {
  readonly stats = new SchedulerStats();
  private readonly waiting: Sequence<S>[] = [];
  private readonly running: Sequence<S>[] = [];
  /** Preempted sequences, oldest first. */
  private readonly preempted: Sequence<S>[] = [];
  private readonly rows: StepRow<S>[] = [];
  private readonly members: Sequence<S>[] = [];
  private looping = false;
  private nextStepAt = 0;
  private wakePace: (() => void) | undefined;

  constructor(
    private readonly model: SteppedModel<S>,
    private readonly o: ResolvedSchedulerOptions,
    private readonly clock: SchedulerClock = REAL_CLOCK,
    private readonly engineStats: EngineStats = new EngineStats(),
  ) {}

  /** Queue a sequence; RESOURCE_EXHAUSTED (retry in 1 s) when the waiting queue is full. */
  submit(seq: Sequence<S>): void {
    if (this.waiting.length >= this.o.maxWaiting) {
      this.stats.rejected++;
      throw new RpcError(Code.ResourceExhausted, `${this.waiting.length} generations are waiting for ${this.model.info().id}, the limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    this.waiting.push(seq);
    this.stats.waiting = this.waiting.length;
    // A newcomer with room to run need not wait out the pace: its first token comes with the next step, now.
    if (this.wakePace !== undefined && this.running.length < this.o.maxNumSeqs) this.wakePace();
    this.kick();
  }

  readerCaughtUp(seq: Sequence<unknown>): void {
    if (!seq.preempted) return; // every read calls this: no search unless the sequence is out of the batch
    const i = this.preempted.indexOf(seq as Sequence<S>);
    if (i === -1 || seq.unread > this.o.maxBufferedSteps >> 1) return;
    this.preempted.splice(i, 1);
    seq.preempted = false;
    this.waiting.unshift(seq as Sequence<S>); // first in line: it was running before
    this.stats.preempted = this.preempted.length;
    this.stats.waiting = this.waiting.length;
    this.kick();
  }

  readerLeft(seq: Sequence<unknown>): void {
    this.cancel(seq as Sequence<S>);
  }

  /** The caller's signal aborted or its reader left: the sequence leaves before the next step. */
  cancel(seq: Sequence<S>): void {
    seq.cancelled = true;
    const i = seq.preempted ? this.preempted.indexOf(seq) : -1;
    if (i !== -1) {
      this.preempted.splice(i, 1);
      seq.preempted = false;
      this.stats.preempted = this.preempted.length;
      this.leave(seq);
    }
    this.kick();
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        if (this.o.stepsPerSecond > 0) await this.pace(); // before admitting: who arrives meanwhile joins this step
        this.admit();
        if (this.running.length === 0) return;
        if (this.plan() === 0) return;
        const next = await this.model.step(this.rows);
        this.apply(next);
        await nextTurn(); // readers, sockets and aborts run between steps
      }
    } catch (e) {
      for (const seq of this.running) {
        seq.fail(e instanceof RpcError ? e : new RpcError(Code.Internal, `the model step failed: ${(e as Error).message}`, { cause: e }));
        this.release(seq);
      }
      this.running.length = 0;
    } finally {
      this.looping = false;
      this.stats.running = this.running.length;
      if (this.waiting.length > 0 && this.running.length === 0) this.kick();
    }
  }

  /**
   * Wait for the next step's time; a newcomer that can join ends the wait early (the running
   * sequences then get that step's token early, and the step after keeps the schedule).
   */
  private async pace(): Promise<void> {
    const now = this.clock.now();
    const newcomer = this.running.length < this.o.maxNumSeqs && this.waiting.length > 0 && this.waiting[this.waiting.length - 1]!.startedAt < 0;
    if (this.nextStepAt > now && !newcomer) {
      await Promise.race([this.clock.sleepUntil(this.nextStepAt), new Promise<void>((resolve) => (this.wakePace = resolve))]);
      this.wakePace = undefined;
    }
    this.nextStepAt = Math.max(now, this.nextStepAt) + 1000 / this.o.stepsPerSecond;
  }

  /** Drop cancelled sequences, preempt those whose reader is behind, then let waiting ones join. */
  private admit(): void {
    let kept = 0;
    for (const seq of this.running) {
      if (seq.cancelled || seq.finished) this.leave(seq);
      else if (seq.unread >= this.o.maxBufferedSteps) this.preempt(seq);
      else this.running[kept++] = seq;
    }
    this.running.length = kept;
    while (this.running.length < this.o.maxNumSeqs && this.waiting.length > 0) {
      const seq = this.waiting.shift()!;
      if (seq.cancelled || seq.finished) {
        this.leave(seq);
        continue;
      }
      if (seq.startedAt < 0) {
        seq.startedAt = this.clock.now();
        this.stats.queueTimeMs.observe(seq.startedAt - seq.submittedAt);
      }
      this.running.push(seq);
    }
    this.stats.running = this.running.length;
    this.stats.waiting = this.waiting.length;
  }

  private leave(seq: Sequence<S>): void {
    if (seq.cancelled && !seq.finished) seq.finish("cancelled", "");
    this.release(seq);
  }

  private release(seq: Sequence<S>): void {
    if (seq.state === undefined) return;
    this.model.release(seq.state);
    seq.state = undefined;
  }

  private preempt(seq: Sequence<S>): void {
    this.stats.preemptions++;
    this.preempted.push(seq);
    seq.preempted = true;
    if (this.preempted.length > this.o.maxPreemptedWithState) {
      const oldest = this.preempted.find((s) => s.state !== undefined);
      if (oldest !== undefined) {
        this.release(oldest);
        oldest.fed = 0; // it will feed its whole context again on return
        this.stats.recomputes++;
      }
    }
    this.stats.preempted = this.preempted.length;
  }

  /**
   * Build this step's rows: one decode token for each running sequence whose context is fed,
   * then the prompts (or recomputed contexts) in chunks within what is left of the token budget.
   * Returns the number of rows.
   */
  private plan(): number {
    this.rows.length = 0;
    this.members.length = 0;
    let budget = this.o.maxBatchedTokens;
    for (const seq of this.running) {
      if (seq.fed < seq.tokens.length - 1 || seq.state === undefined) continue;
      this.add(seq, seq.tokens.length - 1, 1);
      budget--;
    }
    for (const seq of this.running) {
      if (budget <= 0) break;
      if (seq.state !== undefined && seq.fed >= seq.tokens.length - 1) continue;
      seq.state ??= this.model.createState();
      const take = Math.min(budget, seq.tokens.length - seq.fed);
      this.add(seq, seq.fed, take);
      budget -= take;
    }
    this.stats.steps++;
    this.stats.batchSize.observe(this.rows.length);
    return this.rows.length;
  }

  private add(seq: Sequence<S>, from: number, count: number): void {
    const row = seq.row;
    row.state = seq.state!;
    if (count === 1) {
      seq.one[0] = seq.tokens[from]!; // a decode step: no new array per token
      row.input = seq.one;
    } else row.input = seq.tokens.slice(from, from + count);
    row.sampling = from + count === seq.tokens.length ? seq.sampling : undefined;
    this.rows.push(row);
    this.members.push(seq);
  }

  /** Take each row's sampled token: text to its reader, and the end of sequences that finished. */
  private apply(next: ArrayLike<number>): void {
    const now = this.clock.now();
    for (let i = 0; i < this.members.length; i++) {
      const seq = this.members[i]!;
      const row = this.rows[i]!;
      seq.fed += row.input.length;
      if (row.sampling === undefined || seq.cancelled || seq.finished) continue;
      if (seq.lastTokenAt < 0) this.stats.timeToFirstTokenMs.observe(now - seq.submittedAt);
      else this.stats.interTokenMs.observe(now - seq.lastTokenAt);
      seq.lastTokenAt = now;
      const before = seq.generated;
      if (seq.accept(next[i]!, this.model.endOfText)) this.release(seq);
      this.engineStats.generatedTokens += seq.generated - before;
    }
  }
}
