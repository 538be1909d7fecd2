import { Code } from "./code.js";
import { RpcError } from "./rpc-error.js";

/**
 * Options that are all integers: the given ones over the defaults, each checked against its
 * `[min, max]`; INVALID_ARGUMENT naming the first one out of range (`<what> option <name> …`).
 *
 * @example
 * const o = resolveIntegerOptions("scheduler", { maxNumSeqs: 64 }, given, { maxNumSeqs: [1, 65_536] });
 */
export function resolveIntegerOptions<K extends string>(
  what: string,
  defaults: Readonly<Record<K, number>>,
  given: Partial<Record<K, number | undefined>>,
  ranges: Readonly<Record<K, readonly [min: number, max: number]>>,
): Readonly<Record<K, number>> {
  const r = { ...defaults } as Record<K, number>;
  for (const k of Object.keys(defaults) as K[]) {
    const v = given[k] ?? defaults[k];
    const [min, max] = ranges[k];
    if (!Number.isInteger(v) || v < min || v > max) throw new RpcError(Code.InvalidArgument, `${what} option ${k} must be an integer from ${min} to ${max}, got ${v}`);
    r[k] = v;
  }
  return Object.freeze(r);
}
