// A real Redis (Debian's redis-server) on a free loopback port with a temporary folder; stopped by pid.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../e2e/serve-process.js";

export const REDIS_BIN = process.env["REDIS_BIN"] ?? "/usr/bin/redis-server";

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Start redis-server without persistence; resolves once it answers PING (at most 10 s). */
export async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "weir-redis-"));
  const child = spawn(REDIS_BIN, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
  child.once("error", (e) => { stderr += String(e); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve())); // bounded: stop() sends SIGKILL first
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`redis-server did not come up on port ${port} (is Debian's redis-server installed?): ${stderr}`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.once("error", () => resolve(false));
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (b) => { s.destroy(); resolve(b.toString().startsWith("+PONG")); });
  });
}
