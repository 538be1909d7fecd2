// One attack of the soak test, run as a process of its own so that its CPU never delays the
// measuring client: `node soak-attacker.js <kind> <httpUrl> <rpcAddress> <ms>`. Kinds:
// - grpc-bombs: gzip bombs (16 MiB of zeros in 16 KB) as Generation/Complete calls, 24 at a time;
// - thrift-pipeline: framed ListModels calls pipelined on 4 connections that never read a reply;
// - sse-hold: 60 long SSE generations whose reader stops after the first event, and resumable
//   ones that hang up at once, opened again as they end.
// Prints `{"kind", "sent", "refused"}` at the end.
// lint-tests: a child process, killed by runAttacker() in harness.ts after its timeout
import { once, setMaxListeners } from "node:events";
import http2 from "node:http2";
import type { Socket } from "node:net";
import zlib from "node:zlib";
import { generationThriftDescriptor } from "../../src/serving/generation/index.js";
import { callMessage, framed, rawConnect, writeOrStall } from "./thrift-attack.js";
import { onceWithin } from "../helpers/wait.js";

const [kind, httpUrl, rpcAddress, ms] = process.argv.slice(2) as [string, string, string, string];
const stopper = new AbortController();
const stop = stopper.signal;
setTimeout(() => stopper.abort(), Number(ms)); // a timer that holds the process until the end, unlike AbortSignal.timeout's
setMaxListeners(Infinity, stop); // every connection of an attack listens to it
const counts = { kind, sent: 0, refused: 0 };
const rpcPort = Number(rpcAddress.split(":").pop());

/** Resolves when the attack's time is up. */
function stopped(): Promise<void> {
  return stop.aborted ? Promise.resolve() : new Promise((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
}

/** A gRPC message frame (5-byte envelope) with the compressed flag set. */
function compressedFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 1;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

async function grpcBombs(): Promise<void> {
  const body = compressedFrame(zlib.gzipSync(Buffer.alloc(16 << 20), { level: 9 }));
  const bomb = (session: http2.ClientHttp2Session) => new Promise<void>((resolve) => {
    const req = session.request({
      ":method": "POST", ":path": "/weir.generation.v1.Generation/Complete", "content-type": "application/grpc", te: "trailers", "grpc-encoding": "gzip",
    });
    let status: string | undefined;
    req.on("error", () => {});
    req.on("response", (h) => { status = h["grpc-status"] as string | undefined ?? status; }); // trailers-only
    req.on("trailers", (h) => { status = h["grpc-status"] as string | undefined; });
    req.once("close", () => {
      if (status !== "0") counts.refused++;
      resolve();
    });
    req.resume();
    req.end(body);
    counts.sent++;
  });
  while (!stop.aborted) { // a session the server closes or sends away is replaced
    const session = http2.connect(`http://${rpcAddress}`);
    session.on("error", () => {});
    await Promise.race([onceWithin(session, "connect"), onceWithin(session, "close")]).catch(() => undefined);
    const usable = () => !stop.aborted && !session.closed && !session.destroyed;
    await Promise.all(Array.from({ length: 24 }, async () => {
      while (usable()) {
        try {
          await bomb(session);
        } catch {
          return; // GOAWAY received: no new streams on this session
        }
      }
    }));
    session.destroy();
  }
}

async function thriftPipeline(): Promise<void> {
  const one = framed(callMessage(generationThriftDescriptor().methods.ListModels!, { req: {} }));
  const unit = Buffer.concat(Array.from({ length: Math.ceil((64 << 10) / one.length) }, () => one));
  const sockets: Socket[] = [];
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (!stop.aborted) {
      const socket = await rawConnect(rpcPort).catch(() => undefined);
      if (socket === undefined) continue;
      sockets.push(socket);
      socket.on("error", () => {});
      socket.pause(); // never reads a reply
      while (!stop.aborted && !socket.destroyed && (await writeOrStall(socket, unit, 500))) counts.sent++;
      if (!socket.destroyed) await once(socket, "close", { signal: stop }).catch(() => undefined); // held stalled until the server gives up on it
      counts.refused++;
    }
  }));
  for (const s of sockets) s.destroy();
}

async function sseHold(): Promise<void> {
  const hold = async (i: number) => {
    while (!stop.aborted) {
      const resumable = i % 3 === 0;
      const url = `${httpUrl}/api/generate?prompt=Soak%20${i}&max_tokens=4000&temperature=0${resumable ? "&resumable=1" : ""}`;
      const controller = new AbortController();
      const res = await fetch(url, { signal: AbortSignal.any([stop, controller.signal]) }).catch(() => undefined);
      counts.sent++;
      if (res === undefined) continue;
      if (res.status !== 200) {
        counts.refused++;
        await res.arrayBuffer().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200)); // a refused client backs off, as Retry-After asks
        continue;
      }
      const reader = res.body!.getReader();
      await reader.read().catch(() => undefined); // the first event: the generation runs
      if (resumable) controller.abort(); // hangs up at once: the gateway keeps the stream, then gives it up
      else await stopped(); // never reads again
    }
  };
  await Promise.all(Array.from({ length: 60 }, (_, i) => hold(i)));
}

const attacks: Record<string, () => Promise<void>> = { "grpc-bombs": grpcBombs, "thrift-pipeline": thriftPipeline, "sse-hold": sseHold };
const attack = attacks[kind];
if (attack === undefined) throw new Error(`unknown attack ${kind}; one of ${Object.keys(attacks).join(", ")}`);
await attack();
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0); // sockets held by the attack must not keep this process alive
