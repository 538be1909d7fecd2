/** Weir's client over its gRPC transport: promise-returning unary calls. */
import { loadProtoSync } from "../../../src/codec/protobuf/index.js";
import { createClient } from "../../../src/rpc/client.js";
import { createGrpcTransport } from "../../../src/transport/grpc/index.js";
import { ECHO_PROTO } from "../../lib/paths.js";
import type { EchoMessage, EchoMethods } from "../echo-types.js";
import type { Recorder } from "./recorder.js";
import type { LoadSpec } from "./types.js";

export async function runWeirLoad(spec: LoadSpec, rec: Recorder): Promise<void> {
  const Echo = loadProtoSync(ECHO_PROTO).service<EchoMethods>("bench.echo.Echo");
  const transport = createGrpcTransport({ target: `127.0.0.1:${spec.port}` });
  const client = createClient(Echo, transport);
  const request: EchoMessage = { payload: spec.payload };
  const size = spec.payload.length;
  const worker = async (): Promise<void> => {
    while (performance.now() < rec.stopAt) {
      const started = performance.now();
      try {
        const res = await client.Unary(request);
        const ok = res.payload.length === size;
        rec.done(started, ok, ok ? undefined : new Error("wrong reply"));
      } catch (e) {
        rec.done(started, false, e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } finally {
    await transport.close();
  }
}
