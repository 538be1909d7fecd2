import type { InferContext } from "../model.js";
import type { Tensor } from "../tensor.js";
import type { LevelPolicy } from "./options.js";

export const enum RequestState { Queued, Running, Done }

/** What the batcher calls back when a request's signal aborts (the request is the listener: no closure per request). */
export interface Abandon { abandon(r: QueuedRequest): void }

/** A batch on its way through the model. */
export interface RunningBatch {
  /** Members that still wait for their outputs. */
  live: number;
  readonly controller: AbortController;
  readonly members: readonly QueuedRequest[];
}

/** One request in a queue: a node of a doubly linked list, so that it leaves from anywhere at once. */
export class QueuedRequest {
  prev: QueuedRequest | undefined = undefined;
  next: QueuedRequest | undefined = undefined;
  list: RequestList | undefined = undefined;
  state = RequestState.Queued;
  batch: RunningBatch | undefined = undefined;
  resolve!: (outputs: readonly Tensor[]) => void;
  reject!: (e: unknown) => void;
  readonly promise: Promise<readonly Tensor[]>;

  constructor(
    private readonly owner: Abandon,
    readonly inputs: readonly Tensor[],
    readonly ctx: InferContext,
    readonly rows: number,
    readonly bytes: number,
    readonly level: number,
    readonly signature: string,
    readonly enqueuedAt: number,
    /** When its queue policy's timeout falls (µs); Infinity = none. */
    public timeoutAt: number,
    /** When the batcher's longest queue time falls (µs). */
    readonly expireAt: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The abort listener of `ctx.signal`. */
  handleEvent(): void {
    this.owner.abandon(this);
  }
}

/** A FIFO of requests. */
export class RequestList {
  head: QueuedRequest | undefined = undefined;
  tail: QueuedRequest | undefined = undefined;
  length = 0;

  constructor(readonly index: number, readonly level: LevelQueue) {}

  push(r: QueuedRequest): void {
    r.list = this;
    r.prev = this.tail;
    r.next = undefined;
    if (this.tail === undefined) this.head = r;
    else this.tail.next = r;
    this.tail = r;
    this.length++;
  }

  remove(r: QueuedRequest): void {
    if (r.prev === undefined) this.head = r.next;
    else r.prev.next = r.next;
    if (r.next === undefined) this.tail = r.prev;
    else r.next.prev = r.prev;
    r.prev = r.next = r.list = undefined;
    this.length--;
  }
}

/** A priority level: requests in arrival order, then those whose timeout passed under DELAY. */
export class LevelQueue {
  readonly main: RequestList;
  readonly delayed: RequestList;

  constructor(readonly level: number, readonly policy: LevelPolicy) {
    this.main = new RequestList(2 * (level - 1), this);
    this.delayed = new RequestList(2 * (level - 1) + 1, this);
  }

  get size(): number {
    return this.main.length + this.delayed.length;
  }
}

/**
 * The queues of every priority level, in the order batches take requests: level 1's requests,
 * then level 1's delayed ones, then level 2's, and so on; FIFO within each.
 */
export class PriorityQueues {
  readonly levels: readonly LevelQueue[];
  private readonly lists: readonly RequestList[];
  size = 0;
  bytes = 0;

  constructor(policies: readonly LevelPolicy[]) {
    this.levels = policies.map((p, i) => new LevelQueue(i + 1, p));
    this.lists = this.levels.flatMap((l) => [l.main, l.delayed]);
  }

  push(r: QueuedRequest): void {
    this.levels[r.level - 1]!.main.push(r);
    this.size++;
    this.bytes += r.bytes;
  }

  remove(r: QueuedRequest): void {
    r.list!.remove(r);
    this.size--;
    this.bytes -= r.bytes;
  }

  /** Move a request whose timeout passed behind the others of its level (timeout action DELAY). */
  delay(r: QueuedRequest): void {
    r.list!.remove(r);
    this.levels[r.level - 1]!.delayed.push(r);
  }

  first(): QueuedRequest | undefined {
    return this.headFrom(0);
  }

  /** The request after `r` in batch order. */
  after(r: QueuedRequest): QueuedRequest | undefined {
    return r.next ?? this.headFrom(r.list!.index + 1);
  }

  /** The queue lists in batch order (to walk every request). */
  allLists(): readonly RequestList[] {
    return this.lists;
  }

  private headFrom(index: number): QueuedRequest | undefined {
    for (let i = index; i < this.lists.length; i++) {
      const h = this.lists[i]!.head;
      if (h !== undefined) return h;
    }
    return undefined;
  }
}

/** Whether every member asked for the same outputs (then the model is asked for those). */
export function sameOutputs(members: readonly QueuedRequest[]): boolean {
  const first = members[0]!.ctx.outputs;
  for (let i = 1; i < members.length; i++) {
    const o = members[i]!.ctx.outputs;
    if (o === first) continue;
    if (o === undefined || first === undefined || o.length !== first.length) return false;
    for (let j = 0; j < o.length; j++) if (o[j] !== first[j]) return false;
  }
  return true;
}

