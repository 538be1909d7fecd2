/**
 * Running the Apache Thrift peers of this folder: stub generation into a temporary folder, the
 * Python server and client, and the thrift npm client. Every child is killed by `stopAll`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file whether it runs from the sources or from dist/. */
export const REPO = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while ((!existsSync(path.join(dir, "package.json")) || path.basename(dir) === "dist") && dir !== path.dirname(dir)) {
    dir = path.dirname(dir);
  }
  return dir;
})();
export const PEERS = path.join(REPO, "test", "interop", "thrift");
export const IDL = path.join(REPO, "examples", "thrift-echo", "echo.thrift");
export const PYTHON = "/usr/bin/python3";
export const THRIFT = "/usr/bin/thrift";

/**
 * What is missing of the peers, or undefined: the Debian ones (`scripts/ensure-peers.sh` installs
 * them) and the `thrift` npm package (a dev dependency).
 */
export function peersMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  if (!existsSync(THRIFT)) return `${THRIFT} is missing (thrift-compiler)`;
  const r = spawnSync(PYTHON, ["-c", "import thrift"], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) return "python3-thrift is missing";
  const npm = spawnSync(process.execPath, ["-e", "require.resolve('thrift')"], { env: { ...process.env, NODE_PATH: path.join(REPO, "node_modules") }, timeout: 20_000 });
  return npm.status === 0 ? undefined : "the thrift npm package is missing (npm ci)";
}

/** gen-py and gen-js (node, es6) of echo.thrift in a fresh temporary folder. */
export function generateStubs(): { dir: string; py: string; js: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "weir-thrift-stubs-"));
  const py = path.join(dir, "py");
  const js = path.join(dir, "js");
  for (const [gen, out] of [["py", py], ["js:node,es6", js]] as const) {
    spawnSync("mkdir", ["-p", out]);
    const r = spawnSync(THRIFT, ["--gen", gen, "-out", out, IDL], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`thrift --gen ${gen} failed: ${r.stderr}`);
  }
  return { dir, py, js, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const children = new Set<ChildProcess>();

/** Kill every peer still running. */
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  children.clear();
}

export interface PythonServer { readonly port: number; readonly child: ChildProcess; stop(): void }

/** Start py_server.py; resolves once it prints its port. */
export function startPythonServer(gen: string, flags: readonly string[]): Promise<PythonServer> {
  const child = spawn(PYTHON, [path.join(PEERS, "py_server.py"), `--gen=${gen}`, ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`py_server did not start: ${stderr}`)); }, 15_000);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`py_server exited (${code}): ${stderr}`)); });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^PORT (\d+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ port: Number(m[1]), child, stop: () => { child.kill("SIGKILL"); children.delete(child); } });
    });
  });
}

export interface PeerRun { readonly ok: boolean; readonly passed: number; readonly failed: number; readonly output: string }

/** Run a peer client to completion (at most `timeoutMs`) and read its `N passed, N failed` line. */
export function runPeerClient(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<PeerRun> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.add(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => { output += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { output += d.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      const m = /(\d+) passed, (\d+) failed/.exec(output);
      const passed = m ? Number(m[1]) : 0;
      const failed = m ? Number(m[2]) : 1;
      resolve({ ok: code === 0 && m !== null && failed === 0 && passed > 0, passed, failed, output });
    });
  });
}

/** py_client.py against host:port. */
export function runPythonClient(gen: string, port: number, flags: readonly string[]): Promise<PeerRun> {
  return runPeerClient(PYTHON, [path.join(PEERS, "py_client.py"), `--gen=${gen}`, `--port=${port}`, ...flags]);
}

/** npm_client.cjs (the `thrift` npm package) against host:port. */
export function runNpmClient(gen: string, port: number, flags: readonly string[]): Promise<PeerRun> {
  return runPeerClient(process.execPath, [path.join(PEERS, "npm_client.cjs"), `--gen=${gen}`, `--port=${port}`, ...flags],
    { NODE_PATH: path.join(REPO, "node_modules") });
}

/** A text table: one row per case, one column per direction. */
export function formatTable(rows: ReadonlyMap<string, ReadonlyMap<string, string>>, columns: readonly string[]): string {
  const first = Math.max(4, ...[...rows.keys()].map((k) => k.length));
  const widths = columns.map((c) => Math.max(c.length, 4));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(i === 0 ? first : widths[i - 1]!)).join(" | ");
  const out = [line(["case", ...columns]), line(["-".repeat(first), ...widths.map((w) => "-".repeat(w))])];
  for (const [name, cells] of rows) out.push(line([name, ...columns.map((c) => cells.get(c) ?? "-")]));
  return out.join("\n");
}
