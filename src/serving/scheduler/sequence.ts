import { NO_TOKEN, type EngineStep, type FinishReason } from "../engines/engine.js";
import type { ResolvedEngineRequest } from "../engines/request.js";
import { StopMatcher } from "../engines/stop.js";
import type { SamplingParams, StepRow, TokenTextDecoder } from "../engines/stepped.js";

/** What a sequence tells its scheduler: its reader caught up (resume it) or left (drop it). */
export interface SequenceOwner {
  readerCaughtUp(seq: Sequence<unknown>): void;
  readerLeft(seq: Sequence<unknown>): void;
}

/**
 * One generation inside the scheduler: its tokens, its model state, the steps its reader has not
 * taken yet, and the reader's side (an async iterator of EngineSteps).
 */
export class Sequence<S> implements AsyncIterator<EngineStep> {
  /** The prompt, then every token generated: what a recompute feeds again. */
  readonly tokens: number[];
  /** Tokens of `tokens` the model state holds. */
  fed = 0;
  generated = 0;
  state: S | undefined;
  /** The input of a decode row, reused step after step. */
  readonly one: number[] = [0];
  /** The row this sequence contributes to a step, reused step after step. */
  readonly row: StepRow<S>;
  readonly sampling: SamplingParams;
  readonly submittedAt: number;
  startedAt = -1;
  lastTokenAt = -1;
  finished = false;
  cancelled = false;
  /** Out of the batch because its reader is behind (see Scheduler.preempt). */
  preempted = false;
  private readonly promptLength: number;
  private readonly matcher: StopMatcher;
  private readonly out: EngineStep[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<EngineStep>) => void) | undefined;

  constructor(
    private readonly owner: SequenceOwner,
    readonly request: ResolvedEngineRequest,
    prompt: readonly number[],
    stops: readonly string[],
    private readonly decoder: TokenTextDecoder,
    sampling: SamplingParams,
    now: number,
  ) {
    this.tokens = [...prompt];
    this.promptLength = prompt.length;
    this.matcher = new StopMatcher(stops);
    this.sampling = sampling;
    this.submittedAt = now;
    this.row = { state: undefined as S, input: [], sampling: undefined };
  }

  /** Steps produced and not yet read. */
  get unread(): number {
    return this.out.length - this.head;
  }

  /** A token the model sampled: text out (stop sequences held back); true when the sequence ended. */
  accept(token: number, endOfText: number): boolean {
    if (token === endOfText) return this.finish("stop", this.matcher.flush() + this.decoder.flush()), true;
    this.tokens.push(token);
    this.generated++;
    const { text, stopped } = this.matcher.push(this.decoder.push(token));
    if (stopped) return this.finish("stop", text, token), true;
    this.emit({ tokenId: token, text });
    if (this.generated >= this.request.maxTokens) return this.finish("length", this.matcher.flush() + this.decoder.flush()), true;
    return false;
  }

  /** The last step: `finishReason` and usage. */
  finish(reason: FinishReason, text: string, tokenId = NO_TOKEN): void {
    if (this.finished) return;
    this.finished = true;
    this.emit({ tokenId, text, finishReason: reason, usage: { promptTokens: this.promptLength, completionTokens: this.generated } });
  }

  /** A failure of the model: the reader's next read rejects with it. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const reject = this.rejecter;
    if (this.waiter !== undefined && reject !== undefined) {
      this.waiter = this.rejecter = undefined;
      reject(error);
    } else this.failure = error;
  }

  private failure: unknown;
  private rejecter: ((e: unknown) => void) | undefined;

  private emit(step: EngineStep): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = this.rejecter = undefined;
      w({ value: step, done: false });
      return;
    }
    this.out.push(step);
  }

  next(): Promise<IteratorResult<EngineStep>> {
    if (this.head < this.out.length) {
      const value = this.out[this.head++]!;
      if (this.head === this.out.length) {
        this.out.length = 0;
        this.head = 0;
      }
      this.owner.readerCaughtUp(this as Sequence<unknown>);
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      return Promise.reject(e);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.rejecter = reject;
    });
  }

  /** The reader stopped reading (`break` in for-await): the sequence leaves at the next step. */
  return(): Promise<IteratorResult<EngineStep>> {
    if (!this.finished) this.owner.readerLeft(this as Sequence<unknown>);
    this.finished = true;
    this.out.length = 0;
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<EngineStep> {
    return this;
  }
}
