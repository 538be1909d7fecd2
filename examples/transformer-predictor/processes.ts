// The example's programs as child processes: started with their flags, ready once they print their
// ports as one JSON line on stdout, stopped by pid (SIGTERM, then SIGKILL after a grace).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** `predictor.js` or `transformer.js` of this folder (compiled). */
export function programPath(name: "predictor" | "transformer"): string {
  return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
}

export interface ChildServer {
  readonly child: ChildProcess;
  /** The ports it printed: `{ http, grpc }` for the predictor, `{ http }` for the transformer. */
  readonly ports: Readonly<Record<string, number>>;
  /** The last `maxLogChars` characters it wrote on stderr (when `stderr` is "pipe"). */
  log(): string;
  /** SIGTERM, SIGKILL after `graceMs` (default 10 s); resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartChildOptions {
  /** Give up after this many ms without the ports line. Default 60 000. */
  readyTimeoutMs?: number;
  /** "pipe" keeps stderr for `log()`; "inherit" shows it. Default "pipe". */
  stderr?: "pipe" | "inherit";
  /** Characters of stderr kept. Default 4 MiB of text. */
  maxLogChars?: number;
}

/** Start `node <program> <args>`; resolves once it printed its ports. */
export async function startChild(program: "predictor" | "transformer", args: readonly string[], o: StartChildOptions = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [programPath(program), ...args], { stdio: ["ignore", "pipe", o.stderr ?? "pipe"] });
  const maxLog = o.maxLogChars ?? 4 << 20;
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    log += s;
    if (log.length > maxLog) log = log.slice(log.length - maxLog);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const ports = await readPorts(child, exited, o.readyTimeoutMs ?? 60_000, () => log);
    child.stdout!.resume(); // nothing more is expected there; never let it fill up
    return { child, ports, log: () => log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The first stdout line, as JSON of numbers; rejects when the process exits or times out first. */
async function readPorts(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number, log: () => string): Promise<Record<string, number>> {
  const lines = child.stdout!.setEncoding("utf8");
  let text = "";
  const line = new Promise<string>((resolve, reject) => {
    const onData = (s: string): void => {
      text += s;
      const end = text.indexOf("\n");
      if (end !== -1) {
        lines.off("data", onData);
        resolve(text.slice(0, end));
      } else if (text.length > 4096) reject(new Error(`no ports line in the first 4 KiB of stdout: ${text.slice(0, 200)}`));
    };
    lines.on("data", onData);
  });
  const failed = exited.then((code) => Promise.reject(new Error(`${child.spawnfile} exited with ${code} before it was ready:\n${log()}`)));
  const timeout = AbortSignal.timeout(timeoutMs);
  const late = once(timeout, "abort").then(() => Promise.reject(new Error(`not ready after ${timeoutMs} ms:\n${log()}`)));
  const first = await Promise.race([line, failed, late]);
  const ports = JSON.parse(first) as Record<string, number>;
  if (typeof ports !== "object" || ports === null || !Object.values(ports).every((p) => Number.isInteger(p))) throw new Error(`not a ports line: ${first}`);
  return ports;
}
