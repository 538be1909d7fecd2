import { Code, RpcError, type CallScope } from "../../core/index.js";

/** Deadlines are checked at this granularity (ms): a deadline fires at most this late. */
export const WHEEL_TICK_MS = 4;

type Listener = (reason: RpcError) => void;

/**
 * @internal A call scope whose deadline is kept on a shared timing wheel instead of a timer of its
 * own: adding and removing a scope is a few array operations, and one timer serves every scope
 * (deadlines fire up to `WHEEL_TICK_MS` late). Used for the derived contexts of `timeout()`.
 */
export class WheelScope implements CallScope {
  reason: RpcError | undefined;
  /** @internal Position on the wheel: the slot array and the index in it. */
  slot: WheelScope[] | undefined;
  /** @internal */
  index = 0;
  private controller: AbortController | undefined;
  private listener: Listener | undefined;
  private listeners: Listener[] | undefined;

  /** `now`: the caller's reading of Date.now() (default: read here). */
  constructor(readonly deadline: number, private readonly timeoutMs: number, now = Date.now()) {
    if (deadline <= now) this.expire();
    else add(this);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** @internal The wheel reached the deadline. */
  expire(): void {
    this.abort(new RpcError(Code.DeadlineExceeded, `deadline exceeded after ${Math.round(this.timeoutMs)}ms`));
  }

  abort(reason: RpcError): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    remove(this);
    this.controller?.abort(reason);
    const one = this.listener, many = this.listeners;
    this.listener = this.listeners = undefined;
    one?.(reason);
    if (many !== undefined) for (const l of many) l(reason);
  }

  onAbort(listener: Listener): void {
    if (this.reason !== undefined) return listener(this.reason);
    if (this.listener === undefined) this.listener = listener;
    else (this.listeners ??= []).push(listener);
  }

  offAbort(listener: Listener): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.listeners !== undefined) {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    }
  }

  dispose(): void {
    remove(this);
  }
}

// The wheel: scopes by tick (deadline / WHEEL_TICK_MS rounded up); a min-heap of ticks; one timer.
const slots = new Map<number, WheelScope[]>();
const heap: number[] = [];
let timer: NodeJS.Timeout | undefined;
let armedFor = Infinity;
/** Scopes on the wheel; at 0 the wheel is emptied and its timer stopped (it never holds a process open idle). */
let live = 0;
/** The slot of the latest tick added to: most deadlines added in a row share it (no map lookup). */
let lastTick = NaN;
let lastSlot: WheelScope[] | undefined;

function add(s: WheelScope): void {
  const tick = Math.ceil(s.deadline / WHEEL_TICK_MS);
  let slot = tick === lastTick ? lastSlot : slots.get(tick);
  if (slot === undefined) {
    slots.set(tick, (slot = []));
    push(tick);
    if (tick < armedFor) arm(tick);
  }
  lastTick = tick;
  lastSlot = slot;
  s.slot = slot;
  s.index = slot.length;
  slot.push(s);
  live++;
}

function remove(s: WheelScope): void {
  const slot = s.slot;
  if (slot === undefined) return;
  s.slot = undefined;
  const last = slot.pop()!;
  if (last !== s) {
    slot[s.index] = last;
    last.index = s.index;
  }
  if (--live === 0) {
    clearTimeout(timer);
    timer = undefined;
    armedFor = Infinity;
    heap.length = 0;
    slots.clear();
    lastTick = NaN;
    lastSlot = undefined;
  }
}

function arm(tick: number): void {
  clearTimeout(timer);
  armedFor = tick;
  timer = setTimeout(fire, Math.max(0, tick * WHEEL_TICK_MS - Date.now()));
}

function fire(): void {
  timer = undefined;
  armedFor = Infinity;
  const now = Math.floor(Date.now() / WHEEL_TICK_MS);
  while (heap.length > 0 && heap[0]! <= now) {
    const tick = pop();
    const slot = slots.get(tick);
    slots.delete(tick);
    if (tick === lastTick) { lastTick = NaN; lastSlot = undefined; }
    if (slot !== undefined) while (slot.length > 0) slot[slot.length - 1]!.expire(); // expire() removes it
  }
  if (heap.length > 0) arm(heap[0]!);
}

function push(x: number): void {
  let i = heap.push(x) - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heap[p]! <= x) break;
    heap[i] = heap[p]!;
    i = p;
  }
  heap[i] = x;
}

function pop(): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i, best = last;
      if (l < n && heap[l]! < best) { m = l; best = heap[l]!; }
      if (r < n && heap[r]! < best) m = r;
      if (m === i) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = last;
  }
  return top;
}
