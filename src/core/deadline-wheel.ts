/**
 * A shared timing wheel for deadlines: adding and removing an entry is a few array operations, and
 * one timer serves every entry (an entry expires at most `WHEEL_TICK_MS` late). Calls with a
 * deadline are many and short, and most end long before it: a Node timer each (created, inserted in
 * a list, cleared) costs several times more.
 * @internal
 */

/** Deadlines are checked at this granularity (ms): a deadline fires at most this late. */
export const WHEEL_TICK_MS = 4;

/** @internal Something with a deadline on the wheel. */
export interface WheelEntry {
  /** When the entry expires, in ms since the epoch. */
  readonly expiresAt: number;
  /** Position on the wheel (owned by the wheel): the slot array and the index in it. */
  wheelSlot: WheelEntry[] | undefined;
  wheelIndex: number;
  /** The deadline passed; the entry is already off the wheel. */
  onWheelExpire(): void;
}

// Entries by tick (deadline / WHEEL_TICK_MS rounded up); a min-heap of ticks; one timer.
const slots = new Map<number, WheelEntry[]>();
const heap: number[] = [];
let timer: NodeJS.Timeout | undefined;
let armedFor = Infinity;
/**
 * Entries on the wheel. At 0 the slots are dropped and the timer is unref'd, not stopped: calls in
 * flight often fall to none between bursts, and stopping and starting the timer each time would
 * cost a Node timer per call again. An idle wheel never holds a process open; a pending deadline does.
 */
let live = 0;
/** The slot of the latest tick added to: most deadlines added in a row share it (no map lookup). */
let lastTick = NaN;
let lastSlot: WheelEntry[] | undefined;

/** @internal Put `e` on the wheel; a deadline already past expires on the timer's next turn. */
export function wheelAdd(e: WheelEntry): void {
  const tick = Math.ceil(e.expiresAt / WHEEL_TICK_MS);
  let slot = tick === lastTick ? lastSlot : slots.get(tick);
  if (slot === undefined) {
    slots.set(tick, (slot = []));
    push(tick);
    if (tick < armedFor) arm(tick);
  }
  lastTick = tick;
  lastSlot = slot;
  e.wheelSlot = slot;
  e.wheelIndex = slot.length;
  slot.push(e);
  if (live++ === 0) timer?.ref();
}

/** @internal Take `e` off the wheel; nothing when it is not on it. */
export function wheelRemove(e: WheelEntry): void {
  const slot = e.wheelSlot;
  if (slot === undefined) return;
  e.wheelSlot = undefined;
  const last = slot.pop()!;
  if (last !== e) {
    slot[e.wheelIndex] = last;
    last.wheelIndex = e.wheelIndex;
  }
  if (--live === 0) {
    timer?.unref();
    heap.length = 0;
    slots.clear();
    lastTick = NaN;
    lastSlot = undefined;
  }
}

function arm(tick: number): void {
  clearTimeout(timer);
  armedFor = tick;
  // a deadline past a timer's range (24.8 days) takes several turns of the timer
  timer = setTimeout(fire, Math.min(2 ** 31 - 1, Math.max(0, tick * WHEEL_TICK_MS - Date.now())));
  if (live === 0) timer.unref();
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
    if (slot !== undefined) {
      while (slot.length > 0) {
        const e = slot[slot.length - 1]!;
        wheelRemove(e);
        e.onWheelExpire();
      }
    }
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
