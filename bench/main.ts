/**
 * `npm run bench -- [NAME...] [--json] [--smoke] [--duration=S] [--out=DIR] [--profile[=DIR]] [--list]`
 *
 * Runs every benchmark of the registry (or the named ones) one after another, prints a table with
 * ratios for each, writes `<out>/<name>-<timestamp>.json` and `<out>/<name>.json`, and with `--json`
 * ends each benchmark's output with one line `{"name": …, "results": {…}, "ratios": {…}}`.
 * Exits 1 when a benchmark fails, 2 on bad arguments.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BENCHMARKS } from "./registry.js";
import { RESULTS_DIR } from "./lib/paths.js";
import { formatTable, jsonLine, writeResultFiles } from "./report.js";
import { BenchSkipped, type BenchContext } from "./types.js";

export interface BenchArgs {
  names: string[];
  json: boolean;
  smoke: boolean;
  list: boolean;
  durationSec: number | undefined;
  outDir: string;
  profileDir: string | undefined;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = { names: [], json: false, smoke: false, list: false, durationSec: undefined, outDir: RESULTS_DIR, profileDir: undefined };
  for (const arg of argv) {
    const [flag, value] = arg.startsWith("--") ? (arg.split(/=(.*)/s, 2) as [string, string | undefined]) : [arg, undefined];
    if (flag === "--json") a.json = true;
    else if (flag === "--smoke") a.smoke = true;
    else if (flag === "--list") a.list = true;
    else if (flag === "--out" && value) a.outDir = path.resolve(value);
    else if (flag === "--profile") a.profileDir = path.resolve(value ?? path.join(RESULTS_DIR, "profiles"));
    else if (flag === "--duration" && value && Number(value) > 0) a.durationSec = Number(value);
    else if (!arg.startsWith("--") && arg in BENCHMARKS) a.names.push(arg);
    else throw new Error(`unknown argument "${arg}"; benchmarks: ${Object.keys(BENCHMARKS).join(", ")}; flags: --json --smoke --list --duration=S --out=DIR --profile[=DIR]`);
  }
  return a;
}

/** Run the selected benchmarks; resolves to the process exit code. */
export async function runBench(args: BenchArgs): Promise<number> {
  if (args.list) {
    for (const [name, b] of Object.entries(BENCHMARKS)) process.stdout.write(`${name.padEnd(16)} ${b.description}\n`);
    return 0;
  }
  const names = args.names.length ? args.names : Object.keys(BENCHMARKS);
  if (args.profileDir) {
    mkdirSync(args.profileDir, { recursive: true });
    writeFileSync(path.join(args.profileDir, ".gitignore"), "*\n"); // profiles are large and per machine
  }
  const ctx: BenchContext = {
    smoke: args.smoke,
    durationSec: args.durationSec,
    profileDir: args.profileDir,
    log: (m) => process.stderr.write(`${m}\n`),
  };
  let ok = true;
  for (const name of names) ok = (await runOne(name, ctx, args)) && ok;
  return ok ? 0 : 1;
}

/** Run one benchmark, print its table (and JSON line), write its files; false if it failed. */
async function runOne(name: string, ctx: BenchContext, args: BenchArgs): Promise<boolean> {
  const bench = BENCHMARKS[name]!;
  process.stdout.write(`\n== ${name}: ${bench.description}\n`);
  try {
    const result = await bench.run(ctx);
    process.stdout.write(`${formatTable(result, bench.targets)}\n`);
    const file = await writeResultFiles(args.outDir, result, bench.targets);
    process.stdout.write(`results: ${displayPath(file)}\n`);
    if (args.json) process.stdout.write(`${jsonLine(result)}\n`);
    return !result.errors?.length;
  } catch (e) {
    if (e instanceof BenchSkipped) {
      process.stdout.write(`skipped: ${e.message}\n`);
      return args.names.length === 0; // asked for by name, so not running it is a failure
    }
    process.stdout.write(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return false;
  }
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

async function main(): Promise<void> {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); // the reader (e.g. `| head`) went away
    throw e;
  });
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  process.exitCode = await runBench(args);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
