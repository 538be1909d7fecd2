/** The human table and the result files. */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BenchResult } from "./types.js";

/** A table of results (one row per subject) and ratios (with targets, if any). */
export function formatTable(result: BenchResult, targets: Readonly<Record<string, number>> = {}): string {
  const lines: string[] = [];
  const list = Array.isArray(result.results);
  const rows: Array<[string, unknown]> = list ? (result.results as unknown[]).map((r) => ["", r]) : Object.entries(result.results);
  const columns = [...new Set(rows.flatMap(([, v]) => (isRecord(v) ? Object.keys(v).filter((k) => k !== "error" && isScalar(v[k])) : ["value"])))];
  const table: string[][] = [list ? columns : ["", ...columns]];
  for (const [subject, figures] of rows) {
    const cells = columns.map((c) => cell(isRecord(figures) ? figures[c] : c === "value" ? figures : undefined));
    table.push(list ? cells : [subject, ...cells]);
  }
  lines.push(...align(table));
  const ratioRows: string[][] = [["ratio", "value", "target", ""]];
  for (const [name, value] of Object.entries(result.ratios)) {
    const target = targets[name];
    const verdict = target === undefined || value === null ? "" : value >= target ? "met" : "MISSED";
    ratioRows.push([name, value === null ? "n/a" : `${value.toFixed(2)}x`, target === undefined ? "" : `>= ${target}x`, verdict]);
  }
  if (ratioRows.length > 1) lines.push("", ...align(ratioRows));
  for (const note of result.notes ?? []) lines.push(`note: ${note}`);
  for (const error of result.errors ?? []) lines.push(`error: ${error}`);
  return lines.join("\n");
}

/** The one line of JSON `--json` prints: exactly name, results and ratios. */
export function jsonLine(result: BenchResult): string {
  return JSON.stringify({ name: result.name, results: result.results, ratios: result.ratios });
}

/** Write `<dir>/<name>-<timestamp>.json` and `<dir>/<name>.json` (the latest); returns the first path. */
export async function writeResultFiles(dir: string, result: BenchResult, targets: Readonly<Record<string, number>> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const now = new Date();
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const body = {
    name: result.name,
    results: result.results,
    ratios: result.ratios,
    targets,
    notes: result.notes ?? [],
    errors: result.errors ?? [],
    config: result.config ?? {},
    machine: { date: now.toISOString(), node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "", loadavg: os.loadavg() },
  };
  const text = `${JSON.stringify(body, null, 2)}\n`;
  const file = path.join(dir, `${result.name}-${stamp}.json`);
  await writeFile(file, text);
  await writeFile(path.join(dir, `${result.name}.json`), text);
  return file;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null;
}

function cell(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
  if (v === undefined || v === null) return "-";
  return String(v);
}

function align(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd());
}
