#!/usr/bin/env node
// Test hygiene: every wait in a test is bounded, so that a missing event fails the test with a
// message instead of hanging the file until the runner's timeout. Flags, in test files:
//   - `once(emitter, "event")` without a `signal` (use test/helpers/wait.ts onceWithin(), or pass
//     { signal: AbortSignal.timeout(ms) });
//   - `new Promise(...)` whose executor only waits for an event (`.once("x", …)`, `.on("x", …)`)
//     with no timer or signal in it (use onceWithin() or within()).
// A wait bounded some other way (a timer that kills the child it waits for) says so with a
// `// bounded: <how>` comment on its line or the line above; a program a test runs as a child
// process, killed by the test after a timeout, says `// lint-tests: a child process, <who kills it>`.
// Also: examples (other than their tests) import Weir by its package entries (`weir`, `weir/grpc`,
// …), as a user would, never `../../src/` or `../../test/`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const ROOTS = ["src", "test", "examples"];
const isTestFile = (p) =>
  /\.(test|load-test)\.ts$/.test(p) || /fixture|test-server|harness/.test(p) || p.startsWith(`test${"/"}`);
const BOUNDED = /signal|setTimeout|timeout|within\(/i;

const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules") continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts") && isTestFile(p)) check(p);
    else if (p.endsWith(".ts") && p.startsWith(`examples${sep}`)) checkExample(p);
  }
}

/** The text from `open` (an opening parenthesis) to its matching closing one. */
function argsFrom(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

function lineOf(text, index) {
  return text.slice(0, index).split("\n").length;
}

/** Whether the wait at `index` carries a `// bounded:` comment on its line or the line above. */
function saysBounded(text, index) {
  const lines = text.split("\n");
  const n = lineOf(text, index) - 1;
  return /\/\/ bounded:/.test(lines[n]) || /^\s*\/\/ bounded:/.test(lines[n - 1] ?? "");
}

function check(file) {
  const text = readFileSync(file, "utf8");
  if (/^\/\/ lint-tests: a child process/m.test(text)) return;
  for (const m of text.matchAll(/(?<![\w.]|function )once\(/g)) {
    const args = argsFrom(text, m.index + m[0].length - 1);
    if (!/\bsignal\b/.test(args) && !saysBounded(text, m.index)) problems.push(`${relative(".", file)}:${lineOf(text, m.index)}: once${args.split("\n")[0]} has no signal: use onceWithin() from test/helpers/wait.ts`);
  }
  for (const m of text.matchAll(/new Promise\b[^(]*\(/g)) {
    const executor = argsFrom(text, m.index + m[0].length - 1);
    const wrapped = /within\(\s*$/.test(text.slice(Math.max(0, m.index - 40), m.index));
    if (/\.(once|on)\(\s*["'`]/.test(executor) && !BOUNDED.test(executor) && !wrapped && !saysBounded(text, m.index)) {
      problems.push(`${relative(".", file)}:${lineOf(text, m.index)}: a Promise waits for an event without a bound: use onceWithin() or within() from test/helpers/wait.ts`);
    }
  }
}

function checkExample(file) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/from\s+["'](\.\.\/\.\.\/(?:src|test)\/[^"']*)["']/g)) {
    problems.push(`${relative(".", file)}:${lineOf(text, m.index)}: an example imports ${m[1]}: import the package entry (weir, weir/grpc, weir/serving, …)`);
  }
}

for (const root of ROOTS) walk(root);
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`\nlint-tests: ${problems.length} problem(s): unbounded waits in test files, or examples importing sources`);
  process.exit(1);
}
console.log("lint-tests: every wait in a test file is bounded; examples import the package entries");
