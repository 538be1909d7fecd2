/**
 * Command-line flags in the interop suite's form: `--name=value` or `--name value`.
 * Unknown flags are kept; the programs read only the ones they know.
 */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) {
      flags.set(arg.slice(2), argv[++i]!);
    } else {
      flags.set(arg.slice(2), "true");
    }
  }
  return flags;
}

/** A flag as a port number (0 allowed: pick a free port). */
export function portFlag(flags: Map<string, string>, name: string, fallback?: number): number {
  const raw = flags.get(name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`--${name} is required`);
  }
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${name}=${raw} is not a port number`);
  return port;
}

/** The comma-separated `--test_case` list. */
export function caseList(flags: Map<string, string>): string[] {
  const raw = flags.get("test_case");
  if (!raw) throw new Error("--test_case is required (one name or a comma-separated list)");
  return raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}
