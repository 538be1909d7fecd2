// Command-line flags of the example's programs: `--name value` or `--name=value`, with KServe's
// underscore spellings (`--predictor_host`) taken as the dashed names (`--predictor-host`).
import { parseArgs } from "node:util";

/** The flags a program takes: each a string (numbers, hosts) or a boolean switch. */
export type FlagSpec = Record<string, { type: "string"; default?: string } | { type: "boolean"; default?: boolean }>;
export type FlagValues = Record<string, string | boolean | undefined>;

/** A bad command line; the programs print its message and exit with status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parse `argv` against `spec`: unknown flags and positional arguments are usage errors. */
export function readFlags(argv: readonly string[], spec: FlagSpec): FlagValues {
  const args = argv.map((a) => {
    if (!a.startsWith("--")) return a;
    const eq = a.indexOf("=");
    const name = eq === -1 ? a : a.slice(0, eq);
    return name.replaceAll("_", "-") + (eq === -1 ? "" : a.slice(eq));
  });
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A string flag's value (its default when not given). */
export function stringFlag(values: FlagValues, name: string): string {
  const v = values[name];
  if (typeof v !== "string") throw new UsageError(`--${name} needs a value`);
  return v;
}

/** An integer flag within `min..max`. */
export function intFlag(values: FlagValues, name: string, min: number, max: number): number {
  const text = stringFlag(values, name);
  const n = /^-?\d{1,16}$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

/** A number flag within `min..max` (fractions allowed). */
export function numberFlag(values: FlagValues, name: string, min: number, max: number): number {
  const text = stringFlag(values, name);
  const n = text.trim() === "" ? NaN : Number(text);
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  return n;
}

/** A `true`/`false` flag, as KServe's `--enable_latency_logging True` (any case, or 1/0). */
export function booleanFlag(values: FlagValues, name: string): boolean {
  const text = stringFlag(values, name).trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new UsageError(`--${name} must be true or false, got "${text}"`);
}

/** `host:port` (a bracketed IPv6 host too). */
export function hostPortFlag(values: FlagValues, name: string): { host: string; port: number } {
  const text = stringFlag(values, name).trim();
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 1 && port <= 65_535)) throw new UsageError(`--${name} must be host:port, got "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

/** Run `main`; a usage error prints its message and exits with 2, anything else with 1. */
export function runProgram(usage: string, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof UsageError) console.error(`${e.message}\n${usage}`);
    else console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
