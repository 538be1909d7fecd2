import { readFileSync } from "node:fs";

/** The process's soft limit of open files (`ulimit -n`), read from /proc on Linux; undefined elsewhere or when unlimited. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m === null || m[1] === "unlimited" ? undefined : Number(m[1]);
}

/** Files kept back for the process itself (modules, logs, outgoing connections) before connection caps are shared out. */
const RESERVED_FILES = 64;

/**
 * A server's default connection cap: `preferred`, or 45% of the open files left after a reserve
 * when that is less, so that the two servers of a process (an HTTP port and an RPC port) can never
 * use up its files between them. At the file limit Node refuses every new connection, however
 * well-behaved, until one closes; a cap under it makes room instead (see docs/limits.md).
 */
export function connectionCapFor(preferred: number, limit = openFileLimit()): number {
  if (limit === undefined) return preferred;
  return Math.min(preferred, Math.max(16, Math.floor((limit - RESERVED_FILES) * 0.45)));
}
