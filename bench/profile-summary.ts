/**
 * `node dist/bench/profile-summary.js <file.cpuprofile> [--top=N]`: where a V8 CPU profile (as written
 * by `npm run bench -- --profile`) spends its time: self time per function and per source file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export interface Hotspot { readonly name: string; readonly ms: number; readonly percent: number }

/** Self time by function (`name file:line`) and by file, largest first. */
export function summarize(profile: CpuProfile): { total: number; functions: Hotspot[]; files: Hotspot[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const file = f.url ? shorten(f.url) : "(native)";
    const key = `${f.functionName || "(anonymous)"}  ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>): Hotspot[] =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, functions: list(fns), files: list(files) };
}

function shorten(url: string): string {
  const p = url.replace(/^file:\/\//, "");
  const nm = p.lastIndexOf("node_modules/");
  if (nm >= 0) return p.slice(nm + "node_modules/".length);
  const dist = p.lastIndexOf("/dist/");
  return dist >= 0 ? p.slice(dist + 1) : p;
}

function main(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e; // else the reader (e.g. `| head`) has all it wanted
  });
  const file = process.argv[2];
  const top = Number(process.argv.find((a) => a.startsWith("--top="))?.slice(6) ?? 30);
  if (!file) {
    process.stderr.write("usage: node dist/bench/profile-summary.js <file.cpuprofile> [--top=N]\n");
    process.exit(2);
  }
  const s = summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
  const row = (h: Hotspot): string => `${h.percent.toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(7)} ms  ${h.name}`;
  process.stdout.write(`${path.basename(file)}: ${s.total.toFixed(0)} ms sampled\n\nself time by function\n`);
  process.stdout.write(`${s.functions.slice(0, top).map(row).join("\n")}\n\nself time by file\n`);
  process.stdout.write(`${s.files.slice(0, Math.min(top, 20)).map(row).join("\n")}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
