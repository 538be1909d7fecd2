/**
 * The time source of time-dependent decisions (a breaker's cool-down, a rolling window): code that
 * decides by elapsed time takes a `Clock` in its options, so that tests move time themselves
 * instead of sleeping past a threshold.
 *
 * @example
 * let t = 0;
 * const clock: Clock = { now: () => t };
 * const breaker = circuitBreaker({ coolingMs: 5000, clock });
 * t += 5000; // the cool-down has passed
 */
export interface Clock {
  /** Now, in milliseconds from any fixed origin. */
  now(): number;
}

/** The process's wall clock (`Date.now()`), the default of every `clock` option. */
export const wallClock: Clock = Object.freeze({ now: () => Date.now() });
