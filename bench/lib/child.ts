/**
 * Child processes for benchmarks: servers and load generators each get their own process, so no two
 * share an event loop. A child reports with JSON lines on stdout; stderr passes through.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildOptions {
  /** Extra flags for node itself, e.g. `--cpu-prof`. Default none. */
  nodeFlags?: readonly string[];
  /** Give up waiting for the first line after this long. Default 15 s. */
  startTimeoutMs?: number;
}

/** A running child program and the JSON lines it has printed. */
export interface Child {
  readonly process: ChildProcess;
  /** The next JSON line the child prints (rejects if it exits first or times out). */
  nextLine(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves true once the child has exited on its own, false if it still runs after `timeoutMs`. */
  exited(timeoutMs: number): Promise<boolean>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s); resolves when the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(program: string, args: readonly string[], options: ChildOptions = {}): Child {
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), program, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => proc.once("exit", () => { exited = true; resolve(); }));
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    const w = waiters.shift();
    if (w) w(line); else lines.push(line);
  });
  void exitedPromise.then(() => { for (const w of waiters.splice(0)) w(undefined); });
  proc.stdin!.on("error", () => {});

  const nextLine = (timeoutMs = options.startTimeoutMs ?? 15_000): Promise<Record<string, unknown>> => {
    const ready = lines.shift();
    if (ready !== undefined) return Promise.resolve(parse(program, ready));
    if (exited) return Promise.reject(new Error(`${program} exited (code ${proc.exitCode}) before reporting`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${program} printed nothing within ${timeoutMs} ms`)), timeoutMs);
      waiters.push((line) => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`${program} exited (code ${proc.exitCode}) before reporting`));
        else {
          try { resolve(parse(program, line)); } catch (e) { reject(e); }
        }
      });
    });
  };

  const stop = async (graceMs = 5000): Promise<void> => {
    if (exited) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await exitedPromise;
    clearTimeout(timer);
  };
  const exitedWithin = (timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    return Promise.race([exitedPromise.then(() => true), late]).finally(() => clearTimeout(timer));
  };
  return { process: proc, nextLine, exited: exitedWithin, stop };
}

function parse(program: string, line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${program} printed a line that is not JSON: ${line.slice(0, 200)}`);
  }
}
