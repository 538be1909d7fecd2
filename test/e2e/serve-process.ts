// `weir serve` as a child process for end-to-end tests: started on the ports given (0 = free
// ones), ready when it prints its URLs, stopped by pid.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { once } from "node:events";

/** The repository root (this file runs from dist/test/e2e/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = path.join(ROOT, "dist/src/cli/main.js");

export interface ServeProcess {
  readonly child: ChildProcess;
  /** e.g. `http://127.0.0.1:34567` */
  readonly httpUrl: string;
  /** e.g. `127.0.0.1:34568` */
  readonly rpcAddress: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (to the process group when started through npm); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process exited (sends nothing). */
  exited(): Promise<number | null>;
}

export interface StartOptions {
  /** Flags after `serve`. Default: `--http-port=0 --rpc-port=0`. */
  args?: readonly string[];
  /** Start through `npm start -- <args>` instead of node directly. Default false. */
  viaNpm?: boolean;
  /** Give up waiting for the URLs after this many ms. Default 30000. */
  readyTimeoutMs?: number;
  /** Run under this limit of open files (`ulimit -n`), as a production host might. Default: the test's own. */
  fileLimit?: number;
}

/** Start `weir serve`; resolves once it printed its chat and gRPC lines. */
export async function startServeProcess(o: StartOptions = {}): Promise<ServeProcess> {
  const args = o.args ?? ["--http-port=0", "--rpc-port=0"];
  const command = o.viaNpm ? ["npm", "start", "--silent", "--", ...args] : [process.execPath, MAIN, "serve", ...args];
  if (o.fileLimit !== undefined) command.unshift("sh", "-c", `ulimit -n ${o.fileLimit} && exec "$@"`, "sh"); // exec: the pid stays the server's
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, detached: o.viaNpm, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  // bounded: stop() kills the child after 10 s
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(o.viaNpm ? -child.pid! : child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => { try { process.kill(o.viaNpm ? -child.pid! : child.pid!, "SIGKILL"); } catch { /* gone */ } }, 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const ready = new Promise<{ httpUrl: string; rpcAddress: string }>((resolve, reject) => {
    const onData = (b: Buffer) => {
      text += b.toString();
      const chat = /^ {2}chat +(http:\/\/\S+)\/$/m.exec(text);
      const grpc = /^ {2}grpc +(\S+)/m.exec(text);
      if (chat && grpc) resolve({ httpUrl: chat[1]!, rpcAddress: grpc[1]! });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (b: Buffer) => { text += b.toString(); });
    void exited.then((code) => reject(new Error(`weir serve exited with ${code} before it was ready:\n${text}`)));
    const timer = setTimeout(() => reject(new Error(`weir serve not ready after ${o.readyTimeoutMs ?? 30_000} ms:\n${text}`)), o.readyTimeoutMs ?? 30_000);
    timer.unref();
  });
  try {
    const { httpUrl, rpcAddress } = await ready;
    return { child, httpUrl, rpcAddress, output: () => text, stop, exited: () => exited };
  } catch (e) {
    await stop();
    throw e;
  }
}

export { freePort } from "../helpers/net.js";
