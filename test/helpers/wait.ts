/**
 * Bounded waits for tests: each one fails the test with a message naming what it waited for,
 * instead of hanging until the runner's timeout (which leaves servers and children open and the
 * file's process alive). `scripts/lint-tests.mjs` flags a bare `once(` in test files.
 */
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";

/** How long a test waits for something that should happen promptly, unless told otherwise. */
export const WAIT_MS = 10_000;

/**
 * `events.once` bounded by `timeoutMs`: resolves with the event's arguments, rejects with the
 * emitter's 'error', or fails with "no 'close' event within 10000 ms" when the event never comes.
 */
// any[]: the same result type as events.once, so that callers destructure as before
export async function onceWithin(emitter: NodeJS.EventEmitter | EventTarget, event: string, timeoutMs = WAIT_MS, what = `'${event}' event`): Promise<any[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await once(emitter as NodeJS.EventEmitter, event, { signal });
  } catch (e) {
    if (signal.aborted) throw new Error(`no ${what} within ${timeoutMs} ms`, { cause: e });
    throw e;
  }
}

/** `p`, or a failure naming `what` once `timeoutMs` has passed without it settling. */
export async function within<T>(p: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Poll `check` every `everyMs` until it returns true; fails with `what` after `timeoutMs`.
 * For conditions with no event to wait on (a count in another process, a file descriptor closed).
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000, everyMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** Whether `p` is still pending after `ms`: a bounded observation that something did not happen. */
export async function stillPendingAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<boolean>((r) => { timer = setTimeout(r, ms, true); });
  try {
    return await Promise.race([p.then(() => false, () => false), pending]);
  } finally {
    clearTimeout(timer);
  }
}
