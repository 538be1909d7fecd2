#!/usr/bin/env node
// The layer rule of ARCHITECTURE.md: a folder under src/ imports only the folders listed for it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";

const ALLOWED = {
  core: [],
  idl: ["core"],
  codec: ["core", "idl"],
  rpc: ["core", "idl", "codec"],
  transport: ["core", "codec", "rpc"],
  governance: ["core", "rpc"],
  http: ["core"],
  gateway: ["core", "rpc", "http", "codec"],
  serving: ["core", "idl", "codec", "rpc", "transport", "governance", "http", "gateway", "observability"],
  observability: ["core", "rpc"],
  cli: "*",
};
const src = resolve("src");
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) check(p);
  }
}
function layerOf(file) {
  const rel = relative(src, file);
  return rel.includes(sep) ? rel.split(sep)[0] : null; // files directly in src/ are the package entry
}
function check(file) {
  const from = layerOf(file);
  const text = readFileSync(file, "utf8");
  const re = /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src + sep)) continue;
    const to = layerOf(target);
    if (from === null || to === null || to === from) continue;
    const allowed = ALLOWED[from];
    if (allowed === undefined) problems.push(`${relative(".", file)}: folder src/${from} is not a known layer`);
    else if (allowed !== "*" && !allowed.includes(to)) {
      problems.push(`${relative(".", file)}: layer ${from}/ may not import ${to}/ (allowed: ${allowed.join(", ") || "nothing"})`);
    }
  }
}
walk(src);
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`\nlint-layers: ${problems.length} import(s) break the layer rule of ARCHITECTURE.md`);
  process.exit(1);
}
console.log("lint-layers: every import respects the layer rule");
