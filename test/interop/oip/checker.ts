import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON, checkPythonPeers } from "../grpc/peers.js";

/** This suite's source folder (compliance.py lives there), from test/ or dist/test/. */
export function suiteDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, "test", "interop", "oip");
    if (existsSync(path.join(candidate, "compliance.py"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find test/interop/oip/compliance.py above ${fileURLToPath(import.meta.url)}`);
}

/** Throws, saying what to install, when the checker's peers (python3-grpcio, python3-protobuf, protoc) are missing: the suite then fails, never skips. */
export const checkPeers = checkPythonPeers;

/** What the checker printed: its PASS and FAIL lines, and whether it exited cleanly. */
export interface ComplianceReport {
  readonly code: number | null;
  readonly passed: readonly string[];
  readonly failed: readonly string[];
  readonly output: string;
}

/**
 * Run compliance.py against an OIP server (REST on `httpPort`, gRPC on `grpcPort`), killed after
 * `timeoutMs`. With `proto`, the server's .proto is compared with the protocol's messages too.
 */
export function runCompliance(o: { host?: string; httpPort: number; grpcPort: number; proto?: string; timeoutMs?: number }): Promise<ComplianceReport> {
  const args = [path.join(suiteDir(), "compliance.py"), "--host", o.host ?? "127.0.0.1", "--http-port", String(o.httpPort), "--grpc-port", String(o.grpcPort)];
  if (o.proto !== undefined) args.push("--proto", o.proto);
  const child = spawn(PYTHON, args, { cwd: suiteDir(), stdio: ["ignore", "pipe", "pipe"], timeout: o.timeoutMs ?? 120_000, killSignal: "SIGKILL" });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  // bounded: spawn's timeout kills the child, which then closes
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      const lines = output.split("\n");
      resolve({
        code,
        passed: lines.filter((l) => l.startsWith("PASS ")).map((l) => l.slice(5)),
        failed: lines.filter((l) => l.startsWith("FAIL ")).map((l) => l.slice(5)),
        output,
      });
    });
  });
}
