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
  /** Kill it (SIGKILL) and remove its folder. */
  stop(): Promise<void>;
  /** Kill it (SIGKILL), keep its folder: `startRedis({ port, dir })` brings it back with its data. */
  crash(): Promise<void>;
  readonly dir: string;
}

export interface RedisOptions {
  /** Default a free port. */
  port?: number;
  /** Default a new temporary folder. */
  dir?: string;
  /** Write every command to an append-only file (fsync always), so a crash loses nothing. Default false. */
  persistent?: boolean;
}

/** Start redis-server without persistence; resolves once it answers PING (at most 10 s). */
export async function startRedis(o: RedisOptions = {}): Promise<RunningRedis> {
  const port = o.port ?? (await freePort());
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "weir-redis-"));
  const persistence = o.persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const child = spawn(REDIS_BIN, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...persistence], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
  child.once("error", (e) => { stderr += String(e); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve())); // bounded: stop() sends SIGKILL first
  const crash = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const stop = async () => {
    await crash();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop, crash, dir };
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
