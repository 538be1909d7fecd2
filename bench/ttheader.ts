/**
 * TTHeader and Thrift-over-gRPC benchmark: unary requests/s against a Weir server in its own
 * process, from Weir clients in this one, `concurrency` calls in flight: Kitex TTHeader, Apache
 * framed binary, gRPC with Thrift payloads and gRPC with Protobuf payloads (same message).
 * Ratio `thrift_grpc_vs_proto_grpc` = gRPC+Thrift rps / gRPC+Protobuf rps.
 *
 * Run alone: `node dist/bench/ttheader.js` prints one JSON line.
 */
import { pathToFileURL } from "node:url";
import { createClient, type ClientTransport } from "../src/index.js";
import { createGrpcTransport } from "../src/transport/grpc/index.js";
import { createThriftTransport } from "../src/transport/thrift/index.js";
import { startChild } from "./lib/child.js";
import { programPath } from "./lib/paths.js";
import { PAYLOAD, ProtoBenchEcho, ThriftBenchEcho } from "./ttheader/fixture.js";

export interface TtheaderBenchOptions {
  /** Measured time per subject. Default 3000 ms (after a 500 ms warm-up). */
  durationMs?: number;
  /** Calls in flight. Default 32. */
  concurrency?: number;
}

export interface RateFigures { rps: number; calls: number; errors: number; seconds: number }

export interface TtheaderBench {
  name: "ttheader";
  results: Record<string, RateFigures>;
  ratios: { thrift_grpc_vs_proto_grpc: number | null; ttheader_vs_proto_grpc: number | null };
  config: { durationMs: number; concurrency: number; payloadBytes: number };
}

type Call = () => Promise<unknown>;

/** Closed loop: `concurrency` workers call back to back until the time is up. */
async function rate(call: Call, durationMs: number, concurrency: number): Promise<RateFigures> {
  let calls = 0;
  let errors = 0;
  const t0 = process.hrtime.bigint();
  const end = Date.now() + durationMs;
  const worker = async () => {
    while (Date.now() < end) {
      try { await call(); calls++; } catch { errors++; }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rps: Math.round(calls / seconds), calls, errors, seconds: Number(seconds.toFixed(3)) };
}

function add(a: RateFigures | undefined, b: RateFigures): RateFigures {
  if (!a) return b;
  const calls = a.calls + b.calls, seconds = a.seconds + b.seconds;
  return { rps: Math.round(calls / seconds), calls, errors: a.errors + b.errors, seconds: Number(seconds.toFixed(3)) };
}

function subjects(target: string, concurrency: number): Record<string, { transport: ClientTransport; call: Call }> {
  const msg = { message: PAYLOAD, seq: 42n };
  const thrift = (t: ClientTransport) => { const c = createClient(ThriftBenchEcho, t); return () => c.echo({ req: msg }); };
  const tt = createThriftTransport({ target, transport: "ttheader", maxConnections: concurrency });
  const framed = createThriftTransport({ target, transport: "framed", maxConnections: concurrency });
  const grpcThrift = createGrpcTransport({ target });
  const grpcProto = createGrpcTransport({ target });
  const proto = createClient(ProtoBenchEcho, grpcProto);
  return {
    ttheader: { transport: tt, call: thrift(tt) },
    framed_binary: { transport: framed, call: thrift(framed) },
    grpc_thrift: { transport: grpcThrift, call: thrift(grpcThrift) },
    grpc_proto: { transport: grpcProto, call: () => proto.echo(msg) },
  };
}

/**
 * Run the benchmark; the server runs in a child process for the whole run. Subjects take turns in
 * `rounds` slices so that a shared machine's load drifts over all of them alike.
 */
export async function runTtheaderBench(options: TtheaderBenchOptions = {}): Promise<TtheaderBench> {
  const durationMs = options.durationMs ?? 3000;
  const concurrency = options.concurrency ?? 32;
  const rounds = Math.max(1, Math.min(6, Math.floor(durationMs / 250)));
  const child = startChild(programPath("ttheader/server-main.js"), []);
  const results: Record<string, RateFigures> = {};
  try {
    const { port } = await child.nextLine();
    const all = subjects(`127.0.0.1:${port as number}`, concurrency);
    try {
      for (const s of Object.values(all)) await rate(s.call, Math.min(500, durationMs), concurrency); // connections, JIT
      for (let r = 0; r < rounds; r++) {
        for (const [name, s] of Object.entries(all)) results[name] = add(results[name], await rate(s.call, durationMs / rounds, concurrency));
      }
    } finally {
      await Promise.all(Object.values(all).map((s) => s.transport.close()));
    }
  } finally {
    await child.stop();
  }
  const ratio = (a?: RateFigures, b?: RateFigures) => (a && b && b.rps > 0 ? Number((a.rps / b.rps).toFixed(3)) : null);
  return {
    name: "ttheader",
    results,
    ratios: {
      thrift_grpc_vs_proto_grpc: ratio(results["grpc_thrift"], results["grpc_proto"]),
      ttheader_vs_proto_grpc: ratio(results["ttheader"], results["grpc_proto"]),
    },
    config: { durationMs, concurrency, payloadBytes: PAYLOAD.length },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runTtheaderBench();
  process.stdout.write(`${JSON.stringify({ name: r.name, results: r.results, ratios: r.ratios })}\n`);
}
