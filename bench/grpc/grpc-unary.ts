/**
 * grpc-unary: unary echo requests/s and p50/p99 latency under h2load (8 connections x 32 streams,
 * a 64-byte message) for Weir, grpc-js and a bare node:http2 server, one server process at a time.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runH2Load } from "../lib/h2load.js";
import { ratio, round } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import { compareServers } from "./compare.js";
import { UNARY_MESSAGE_BYTES, UNARY_PATH, encodeEchoMessage, envelope, patternBytes, payloadSizeFor } from "./echo-fixture.js";
import { connectH2, unaryOnce } from "./h2-probe.js";
import type { ServerChild } from "./server-child.js";

const FULL = { clients: 8, streams: 32, warmupSec: 3, durationSec: 10 };
const SMOKE = { clients: 2, streams: 4, warmupSec: 0, durationSec: 1 };

export interface UnaryFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
  requests: number;
  failed: number;
}

export const grpcUnary: Benchmark = {
  description: "gRPC unary echo (64-byte message) under h2load -c 8 -m 32: Weir vs grpc-js vs bare node:http2 server",
  targets: { grpc_unary_vs_grpcjs: 1.4, grpc_unary_vs_raw: 0.9, grpc_unary_p99_grpcjs_over_weir: 1 },
  run: runGrpcUnary,
};

async function runGrpcUnary(ctx: BenchContext): Promise<BenchResult> {
  const cfg = { ...(ctx.smoke ? SMOKE : FULL), ...(ctx.durationSec ? { durationSec: ctx.durationSec } : {}) };
  const body = envelope(encodeEchoMessage(patternBytes(payloadSizeFor(UNARY_MESSAGE_BYTES))));
  const dir = await mkdtemp(path.join(os.tmpdir(), "weir-bench-unary-"));
  try {
    const bodyFile = path.join(dir, "request.bin");
    await writeFile(bodyFile, body);
    const cmp = await compareServers(ctx, async (server) => {
      await checkEcho(server, body);
      const r = await runH2Load({
        url: `http://127.0.0.1:${server.port}${UNARY_PATH}`,
        clients: cfg.clients,
        streams: cfg.streams,
        durationSec: cfg.durationSec,
        warmupSec: cfg.warmupSec,
        bodyFile,
        headers: ["content-type: application/grpc", "te: trailers"],
        logFile: path.join(dir, `${server.impl}.log`),
      });
      await checkEcho(server, body); // still answering correctly after the load
      if (r.failed + r.errored > 0) throw new Error(`${r.failed} failed and ${r.errored} errored requests under load`);
      const figures: UnaryFigures = {
        rps: round(r.rps), p50_ms: round(r.p50Ms, 3), p99_ms: round(r.p99Ms, 3), mean_ms: round(r.meanMs, 3), max_ms: round(r.maxMs, 3),
        requests: r.requests, failed: r.failed + r.errored,
      };
      ctx.log(`    ${figures.rps} req/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms`);
      return figures;
    });
    const { weir, grpcjs, raw } = cmp.figures;
    return {
      name: "grpc-unary",
      results: cmp.results,
      ratios: {
        grpc_unary_vs_grpcjs: (ratio(weir?.rps, grpcjs?.rps)),
        grpc_unary_vs_raw: (ratio(weir?.rps, raw?.rps)),
        grpc_unary_p99_grpcjs_over_weir: (ratio(grpcjs?.p99_ms, weir?.p99_ms)),
      },
      notes: [...cmp.notes, "grpc_unary_p99_grpcjs_over_weir is grpc-js's p99 divided by Weir's: 1 or more means Weir's p99 is no worse"],
      errors: cmp.errors,
      config: { ...cfg, messageBytes: UNARY_MESSAGE_BYTES, loadGenerator: "h2load -t 1" },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One call through a raw client: status 0 and the same message back, or the server is not measured. */
async function checkEcho(server: ServerChild, body: Buffer): Promise<void> {
  const session = await connectH2(server.port);
  try {
    const reply = await unaryOnce(session, body);
    if (reply.grpcStatus !== "0") throw new Error(`echo check: grpc-status ${reply.grpcStatus ?? "missing"}`);
    if (!reply.body.equals(body)) throw new Error(`echo check: reply of ${reply.body.length} bytes differs from the request`);
  } finally {
    session.close();
  }
}

