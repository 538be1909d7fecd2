import { isCase, type CaseName } from "./spec.js";

/** A failed check inside a case. */
export class CheckError extends Error {
  override name = "CheckError";
}

export function check(ok: unknown, message: string): asserts ok {
  if (!ok) throw new CheckError(message);
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new CheckError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

export type CaseTable = Record<CaseName, () => Promise<void>>;

/**
 * Run the named cases one after another, each bounded by `caseTimeoutMs`; prints one line per case
 * (`PASS name (12ms)` on stdout, `FAIL name: why` on stderr) and returns the process exit code.
 */
export async function runCases(program: string, names: readonly string[], table: CaseTable, caseTimeoutMs = 20_000): Promise<number> {
  let failed = 0;
  for (const name of names) {
    const started = Date.now();
    try {
      if (!isCase(name)) throw new CheckError(`unknown test case "${name}"`);
      await withTimeout(table[name](), caseTimeoutMs, `${name} did not finish within ${caseTimeoutMs}ms`);
      console.log(`PASS ${name} (${Date.now() - started}ms)`);
    } catch (e) {
      failed++;
      const why = e instanceof CheckError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      console.error(`FAIL ${name}: ${why} [${program}]`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckError(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
