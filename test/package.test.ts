// What `npm pack` would publish: only code that runs, never a test, fixture or test data file; every
// `exports` target and the `bin` present; every shipped module reachable from an entry (so a test
// helper with an unusual name cannot slip in); no shipped module importing a dev dependency.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** Names of files that exist for tests only; `files` in package.json leaves them out. */
const TEST_ONLY = /\.test\.|\.load-test\.|\.test-d\.|fixture|testdata|-child\.|\.suite\.|(^|\/)test-[^/]*$|(^|\/)test\//;
const IMPORT = /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm;

const normal = (p: string) => path.posix.normalize(p.replace(/^\.\//, ""));
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
/** Compiled from a file with types only: nothing runs in it. */
const typeOnly = (p: string) => read(p).replace(/\/\/.*$/gm, "").trim() === "export {};";

function importsOf(file: string): string[] {
  return [...read(file).matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Every shipped .js file reached by following relative imports from the `exports` entries and the `bin`. */
function reachable(): Set<string> {
  const entries = [...Object.values(pkg.exports).map((e) => e.default), ...Object.values(pkg.bin)].map(normal);
  const seen = new Set<string>();
  for (let file = entries.pop(); file !== undefined; file = entries.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) if (spec.startsWith(".")) entries.push(path.posix.join(path.posix.dirname(file), spec));
  }
  return seen;
}

describe("npm pack", () => {
  let files: string[] = [];
  before(async () => {
    const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, timeout: 60_000 });
    files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    assert.ok(files.length > 100, `npm pack listed ${files.length} files`);
  });

  it("lists no test, load test, fixture or test data file", () => {
    assert.deepEqual(files.filter((f) => TEST_ONLY.test(f)), []);
  });

  it("holds every exports target and the bin", () => {
    const targets = [...Object.values(pkg.exports).flatMap((e) => [e.types, e.default]), ...Object.values(pkg.bin)].map(normal);
    assert.deepEqual(targets.filter((t) => !files.includes(t)), []);
  });

  it("ships only modules an entry or the bin reaches (or that hold types only)", () => {
    const reached = reachable();
    const stray = files.filter((f) => f.endsWith(".js") && f.startsWith("dist/") && !reached.has(f) && !typeOnly(f));
    assert.deepEqual(stray, [], "a test helper must be named like one (see TEST_ONLY) so that package.json `files` leaves it out");
  });

  it("ships no module that imports a dev dependency", () => {
    const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), ...builtinModules]);
    const bad: string[] = [];
    for (const file of files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"))) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith(".") || spec.startsWith("node:")) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!allowed.has(name)) bad.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
