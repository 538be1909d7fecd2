#!/usr/bin/env node
// The layer rules of ARCHITECTURE.md, checked on the imports of every .ts file under src/:
//   1. a layer (folder under src/) imports only the layers listed for it in LAYERS;
//   2. inside a layer with a SUBFOLDERS table, a subfolder imports only the subfolders listed for it
//      (the layer's own root files are shared by its subfolders: those files import no subfolder,
//      except the layer's entry, index.ts);
//   3. the package entries at src/'s root (index.ts, thrift.ts) import any layer but cli/, and no
//      layer imports them;
//   4. no import cycle between files, nor between sibling folders (type-only imports count: a cycle
//      of types is still two modules that cannot be read one without the other).
// Tests and their support files (TEST_FILE) may reach across subfolders and import the package
// entries, as black-box tests do; they keep to rules 1 and 4 (nothing imports them, so they add no
// folder edge).
// Usage: node scripts/lint-layers.mjs [SRC_DIR]   (default: ./src); exits 1 and prints each problem.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

export const LAYERS = {
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

/** Per layer: each subfolder and the sibling subfolders it may import. A layer absent here has no subfolder rule. */
export const SUBFOLDERS = {
  idl: { proto: [], thrift: [] },
  codec: { protobuf: [], thrift: [] },
  transport: { grpc: [], ttheader: [], thrift: ["ttheader"], detection: ["grpc", "thrift", "ttheader"] },
};

/** Tests, and the fixtures, suites and child processes only tests use. */
const TEST_FILE = /(\.test|\.load-test|\.test-d|\.suite|[.-]fixtures?|-child)\.ts$/;

/**
 * Files that break rule 2 until they move: the gRPC server and its connection tracker sit at
 * transport/'s root but belong in grpc/ (issue 12, moved by the call-lifecycle work). Delete each
 * entry with its move; an entry whose file no longer breaks the rule is reported.
 */
const PENDING_MOVES = [];

/** Files at src/'s root: the package entries. */
const ROOT_MAY_IMPORT = Object.keys(LAYERS).filter((l) => l !== "cli");

const IMPORT = /(?:^|[\s;}])(import|export)(\s+type)?\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;

/** Relative imports of one file: `{ spec, typeOnly }`. */
export function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec.startsWith(".")) out.push({ spec, typeOnly: m[2] !== undefined });
  }
  return out;
}

function tsFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** `src/transport/thrift/x.ts` → { layer: "transport", sub: "thrift", dir: "transport/thrift" }; root files have layer null. */
function placeOf(src, file) {
  const parts = relative(src, file).split(sep);
  const layer = parts.length > 1 ? parts[0] : null;
  const sub = parts.length > 2 ? parts[1] : null;
  return { layer, sub, dir: parts.slice(0, -1).join("/") || ".", name: parts[parts.length - 1] };
}

/** The import graph of the tree: file (relative to src) → files it imports (relative to src). */
export function importGraph(src) {
  const graph = new Map();
  for (const file of tsFiles(src)) {
    const targets = [];
    for (const { spec } of importsOf(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
      if (target.startsWith(src + sep)) targets.push(relative(src, target).split(sep).join("/"));
    }
    graph.set(relative(src, file).split(sep).join("/"), targets);
  }
  return graph;
}

function layerProblem(src, fromFile, toFile) {
  const from = placeOf(src, join(src, fromFile));
  const to = placeOf(src, join(src, toFile));
  if (from.layer === null) {
    return to.layer === null || ROOT_MAY_IMPORT.includes(to.layer) ? undefined : `the package entries at src/'s root may not import ${to.layer}/`;
  }
  const test = TEST_FILE.test(fromFile);
  if (to.layer === null) return test ? undefined : `layer ${from.layer}/ may not import the package entry src/${to.name}`;
  if (to.layer !== from.layer) {
    const allowed = LAYERS[from.layer];
    if (allowed === undefined) return `folder src/${from.layer} is not a known layer (add it to LAYERS)`;
    if (allowed !== "*" && !allowed.includes(to.layer)) return `layer ${from.layer}/ may not import ${to.layer}/ (allowed: ${allowed.join(", ") || "nothing"})`;
    return undefined;
  }
  return test ? undefined : subfolderProblem(from, to);
}

function subfolderProblem(from, to) {
  const table = SUBFOLDERS[from.layer];
  if (table === undefined || from.sub === to.sub) return undefined;
  for (const s of [from.sub, to.sub]) {
    if (s !== null && table[s] === undefined) return `folder ${from.layer}/${s} has no subfolder rule (add it to SUBFOLDERS.${from.layer})`;
  }
  if (from.sub === null) {
    return from.name === "index.ts" ? undefined : `${from.layer}/'s root files are shared by its subfolders and may not import ${to.dir}/`;
  }
  if (to.sub === null || table[from.sub].includes(to.sub)) return undefined;
  const allowed = table[from.sub].map((s) => `${from.layer}/${s}`).join(", ") || `only ${from.layer}/'s root files`;
  return `${from.layer}/${from.sub}/ may not import ${to.dir}/ (allowed: ${allowed})`;
}

/** Every strongly connected component of more than one node, each as one cycle path `a → b → … → a`. */
export function cycles(graph) {
  const index = new Map(), low = new Map(), onStack = new Set(), stack = [], found = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set();
    for (let w; w !== v;) { w = stack.pop(); onStack.delete(w); component.add(w); }
    if (component.size > 1) found.push(cyclePath(graph, component, [...component].sort()[0]));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** A shortest cycle through `start` inside one component (breadth-first), as a path of nodes. */
function cyclePath(graph, component, start) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (component.has(w) && !previous.has(w)) { previous.set(w, v); queue.push(w); }
    }
  }
  return [start, start];
}

/**
 * Folder graph: for an import between two files, an edge between the two sibling folders that hold
 * them under their closest common folder (`transport/thrift/x.ts` → `transport/ttheader/y.ts` is
 * `transport/thrift` → `transport/ttheader`; `gateway/resume/a.ts` → `gateway/b.ts` is no edge: a
 * folder's own root files are part of it). Tests add no edge.
 */
export function folderGraph(graph) {
  const folders = new Map();
  for (const [file, targets] of graph) {
    if (TEST_FILE.test(file)) continue;
    const a = file.split("/");
    for (const target of targets) {
      const b = target.split("/");
      let i = 0;
      while (i < a.length - 1 && i < b.length - 1 && a[i] === b[i]) i++;
      if (i === a.length - 1 || i === b.length - 1) continue;
      const from = a.slice(0, i + 1).join("/"), to = b.slice(0, i + 1).join("/");
      if (!folders.has(from)) folders.set(from, []);
      if (!folders.get(from).includes(to)) folders.get(from).push(to);
    }
  }
  return folders;
}

/** Every problem of the tree at `src`, one line each. */
export function lintTree(src) {
  src = resolve(src);
  const problems = [];
  const graph = importGraph(src);
  const pendingUsed = new Set();
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const problem = layerProblem(src, file, target);
      if (problem && PENDING_MOVES.includes(file)) pendingUsed.add(file);
      else if (problem) problems.push(`src/${file} imports src/${target}: ${problem}`);
    }
  }
  for (const file of PENDING_MOVES) {
    if (graph.has(file) && !pendingUsed.has(file)) problems.push(`src/${file} keeps to the rules now: delete it from PENDING_MOVES`);
  }
  for (const path of cycles(graph)) problems.push(`import cycle between files: ${path.map((f) => `src/${f}`).join(" → ")}`);
  for (const path of cycles(folderGraph(graph))) problems.push(`import cycle between folders: ${path.map((d) => `src/${d}/`).join(" → ")}`);
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const problems = lintTree(process.argv[2] ?? "src");
  if (problems.length) {
    console.error(problems.join("\n"));
    console.error(`\nlint-layers: ${problems.length} problem(s) with the layer rules of ARCHITECTURE.md`);
    process.exit(1);
  }
  console.log("lint-layers: every import respects the layer rules, and no import cycle");
}
