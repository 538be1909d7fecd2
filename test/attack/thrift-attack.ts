// Tools of the Thrift attack tests: the echo example in a child process, raw Thrift units to
// send over plain sockets, and a well-behaved client to probe with while an attack runs.
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type ClientTransport, type MethodDescriptor } from "../../src/index.js";
import { createThriftTransport, type ThriftClientOptions } from "../../src/transport/thrift/client.js";
import { MessageType, writeMessageHeader, type ThriftProtocol } from "../../src/transport/thrift/message.js";
import { thriftMethodOf } from "../../src/codec/thrift/index.js";
import { Echo } from "../../examples/thrift-echo/service.js";
import type { EchoServerOptions } from "../../examples/thrift-echo/server.js";
import { once } from "node:events";
import { onceWithin } from "../helpers/wait.js";

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "thrift-echo-main.js");

/** The echo example running in a child process. */
export interface EchoProcess {
  readonly pid: number;
  readonly port: number;
  readonly target: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Start the echo example in a child process with `options` (limits of `listenAllProtocols`);
 * `maxOpenFiles` runs it under that file-descriptor limit (prlimit). Resolves once it listens.
 */
export async function startEchoProcess(options: Omit<EchoServerOptions, "middleware" | "log"> = {}, o: { maxOpenFiles?: number } = {}): Promise<EchoProcess> {
  const node = [process.execPath, MAIN, JSON.stringify(options)];
  const child = o.maxOpenFiles === undefined
    ? spawn(node[0]!, node.slice(1), { stdio: ["ignore", "pipe", "inherit"] })
    : spawn("prlimit", [`--nofile=${o.maxOpenFiles}:${o.maxOpenFiles}`, ...node], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit"); // bounded: stop() kills the child after 5 s
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const port = await firstLinePort(child);
    return { pid: child.pid!, port, target: `127.0.0.1:${port}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function firstLinePort(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const line = await Promise.race([
    onceWithin(lines, "line").then(([l]) => l as string),
    once(child, "exit").then(() => { throw new Error("the echo process exited before it listened"); }), // bounded: by the timer below
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the echo process did not listen within 15 s")), 15_000).unref()),
  ]);
  return (JSON.parse(line) as { port: number }).port;
}

/** A Thrift CALL message (header and Args struct) for `method`. */
export function callMessage(method: MethodDescriptor, request: unknown, protocol: ThriftProtocol = "binary", seqId = 1): Buffer {
  const wire = thriftMethodOf(method)!;
  return Buffer.concat([writeMessageHeader(protocol, method.name, MessageType.Call, seqId), wire.encodeArgs(protocol, request)]);
}

/** A message with its u32 length in front (Apache framed). */
export function framed(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + message.length);
  out.writeUInt32BE(message.length, 0);
  out.set(message, 4);
  return out;
}

/** Open a plain TCP connection to `port` on loopback; rejects after `timeoutMs`. */
export function rawConnect(port: number, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no connection within ${timeoutMs} ms`)); }, timeoutMs);
    s.once("connect", () => { clearTimeout(timer); s.off("error", reject); resolve(s); });
    s.once("error", (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Write `chunk` and wait until the socket takes more; resolves false when it did not within
 * `stallMs` (the peer stopped reading).
 */
export async function writeOrStall(socket: Socket, chunk: Uint8Array, stallMs: number): Promise<boolean> {
  if (socket.write(chunk)) return true;
  const drained = onceWithin(socket, "drain").then(() => true);
  const stalled = new Promise<boolean>((r) => setTimeout(() => r(false), stallMs).unref());
  return Promise.race([drained, stalled]);
}

/** A well-behaved Echo client: `ping` for `probe()`, and `close`. */
export function echoPinger(target: string, o: Omit<ThriftClientOptions, "target"> = {}): { ping(signal: AbortSignal): Promise<void>; close(): Promise<void> } {
  const transport: ClientTransport = createThriftTransport({ target, transport: "ttheader", maxConnections: 1, ...o });
  const client = createClient(Echo, transport);
  return {
    async ping(signal) {
      if ((await client.ping({ msg: "hi" }, { signal })) !== "hi") throw new Error("wrong echo");
    },
    close: () => transport.close(),
  };
}
