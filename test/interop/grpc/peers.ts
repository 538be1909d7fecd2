import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suiteDir } from "./paths.js";
import { READY_LINE } from "./spec.js";

/** The Python that has Debian's python3-grpcio (never a `python3` found on PATH). */
export const PYTHON = "/usr/bin/python3";

/** How to start one program: a command and its arguments before the interop flags. */
export interface Program {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const node = (file: string, name: string): Program => ({ name, command: process.execPath, args: [path.join(here, file)] });
const python = (file: string, name: string): Program => ({ name, command: PYTHON, args: [path.join(suiteDir(), file)] });

export const SERVERS = {
  weir: node("weir-server.js", "weir"),
  python: python("py_server.py", "python3-grpcio"),
  grpcjs: node("grpcjs-server.js", "grpc-js"),
} as const;

export const CLIENTS = {
  weir: node("weir-client.js", "weir"),
  python: python("py_client.py", "python3-grpcio"),
  grpcjs: node("grpcjs-client.js", "grpc-js"),
} as const;

/** Throws a message saying what to install when the Python peers cannot run. */
export function checkPythonPeers(): void {
  const r = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf"], { encoding: "utf8", timeout: 20_000 });
  const protoc = spawnSync("protoc", ["--version"], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0 || protoc.status !== 0) {
    throw new Error(
      "the python interop peers need Debian's python3-grpcio, python3-protobuf and protobuf-compiler " +
        `(apt-get install python3-grpcio python3-protobuf protobuf-compiler): ${(r.stderr || protoc.error?.message || "").trim()}`,
    );
  }
}

/** A running server process and what it printed. */
export class RunningServer {
  output = "";
  private exited: Promise<void>;

  constructor(readonly program: Program, readonly child: ChildProcess, readonly port: number, output: string) {
    this.output = output;
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }
}

/** Start a server on a free port; resolves once it prints `listening on port N`. */
export function startServer(program: Program, timeoutMs = 20_000): Promise<RunningServer> {
  const child = spawn(program.command, [...program.args, "--port=0", "--host=127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const fail = (why: string) => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`${program.name} server ${why}; output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed no "listening on port" line within ${timeoutMs}ms`), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = READY_LINE.exec(output);
      if (m) {
        cleanup();
        resolve(new RunningServer(program, child, Number(m[1]), output));
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (code ${code}, signal ${signal}) before listening`);
    const onError = (e: Error) => fail(`could not start: ${e.message}`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    }
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

export interface CaseResult {
  readonly ok: boolean;
  readonly ms: number;
  /** The client's report of the case (its FAIL line and anything else it printed). */
  readonly detail: string;
}

/** Run one case in a fresh client process, killed after `timeoutMs`. */
export function runClient(program: Program, port: number, testCase: string, timeoutMs = 30_000): Promise<CaseResult> {
  const started = Date.now();
  const args = [...program.args, "--server_host=127.0.0.1", `--server_port=${port}`, `--test_case=${testCase}`];
  const child = spawn(program.command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    child.once("error", (e) => resolve({ ok: false, ms: Date.now() - started, detail: `could not start ${program.name} client: ${e.message}` }));
    child.once("close", (code, signal) => {
      const ms = Date.now() - started;
      const passed = code === 0 && new RegExp(`^PASS ${testCase}\\b`, "m").test(out);
      const why = signal === "SIGKILL" ? `killed after ${timeoutMs}ms` : `exit code ${code}`;
      resolve({ ok: passed, ms, detail: passed ? out.trim() : `${why}\n${out.trim()}` });
    });
  });
}
