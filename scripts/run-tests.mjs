#!/usr/bin/env node
// Runs the compiled test files with node's test runner.
//   node scripts/run-tests.mjs [filter...]         every dist/**/*.test.js, two files at a time
//   node scripts/run-tests.mjs --load [filter...]  every dist/**/*.load-test.js, one file at a time:
//     attacks, soaks and other tests whose thresholds depend on the machine not being shared
// A filter keeps files whose path contains it.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const load = args.includes("--load");
const filters = args.filter((a) => a !== "--load");
const suffix = load ? ".load-test.js" : ".test.js";
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(suffix)) files.push(p);
  }
}
for (const root of ["dist/src", "dist/test", "dist/examples", "dist/bench"]) {
  try { walk(root); } catch { /* folder absent */ }
}
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (selected.length === 0) {
  console.error(`no ${suffix} files found; run \`npm run build\` first`);
  process.exit(1);
}
const concurrency = load ? 1 : 2;
const result = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000", ...selected], { stdio: "inherit" });
process.exit(result.status ?? 1);
