/**
 * The interop test server on Weir: grpc.testing.TestService with the behaviours of gRPC's
 * cross-language interop suite (response sizes, echoed metadata, echoed status, compressed
 * responses on request, checks of request compression, interval_us between streamed responses).
 * It does not implement UnimplementedCall, nor grpc.testing.UnimplementedService.
 *
 *   npm run interop:server -- --port=N [--host=127.0.0.1]
 *
 * Prints `listening on port N` once it accepts calls (N is the bound port when --port=0).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError, outgoing, type OutgoingMessage, type ServerCallContext, type ServiceImpl } from "../../../src/index.js";
import { createServer } from "../../../src/transport/grpc/grpc-server.js";
import { parseFlags, portFlag } from "./args.js";
import {
  loadTestServices,
  type BoolValue, type EchoStatus, type Payload, type StreamingOutputCallRequest, type StreamingOutputCallResponse, type TestMethods,
} from "./messages.js";
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } from "./spec.js";

type Reply = OutgoingMessage<StreamingOutputCallResponse>;

/** Echo `x-grpc-test-echo-initial` as a header and `x-grpc-test-echo-trailing-bin` as a trailer. */
function echoMetadata(ctx: ServerCallContext): void {
  const initial = ctx.requestMetadata.get(ECHO_INITIAL_KEY);
  if (initial !== undefined) ctx.responseHeaders.set(ECHO_INITIAL_KEY, initial);
  const trailing = ctx.requestMetadata.get(ECHO_TRAILING_KEY);
  if (trailing !== undefined) ctx.responseTrailers.set(ECHO_TRAILING_KEY, trailing);
}

/** End the call with the status the client asked for (a code of 0 asks for nothing). */
function echoStatus(status: EchoStatus | null | undefined): void {
  if (status && (status.code ?? 0) !== 0) throw new RpcError(status.code as Code, status.message ?? "");
}

/** `expect_compressed`, when set, must match how the message arrived. */
function checkCompressed(expect: BoolValue | null | undefined, ctx: ServerCallContext): void {
  if (!expect) return;
  const want = expect.value === true;
  if (want !== ctx.lastRequestCompressed) {
    const [w, got] = [want, ctx.lastRequestCompressed].map((c) => (c ? "compressed" : "uncompressed"));
    throw new RpcError(Code.InvalidArgument, `expected a ${w} request, got an ${got} one`);
  }
}

function zeros(size: number | undefined): Payload {
  const n = size ?? 0;
  if (n < 0) throw new RpcError(Code.InvalidArgument, `response size ${n} is negative`);
  return { type: 0, body: new Uint8Array(n) };
}

function checkType(type: number | undefined): void {
  if ((type ?? 0) !== 0) throw new RpcError(Code.InvalidArgument, `response_type ${type} is not supported (only COMPRESSABLE)`);
}

const wantsCompression = (req: StreamingOutputCallRequest) => (req.response_parameters ?? []).some((p) => p.compressed?.value === true);

/** One response per ResponseParameters: sleep interval_us, then send, compressed if asked. */
async function* respond(req: StreamingOutputCallRequest, ctx: ServerCallContext): AsyncGenerator<Reply> {
  checkType(req.response_type);
  for (const p of req.response_parameters ?? []) {
    if ((p.interval_us ?? 0) > 0) await sleep(p.interval_us! / 1000, undefined, { signal: ctx.signal });
    yield outgoing({ payload: zeros(p.size) }, { compress: p.compressed?.value === true });
  }
}

/** The TestService implementation; UnimplementedCall is left out on purpose. */
const testService: ServiceImpl<TestMethods> = {
  EmptyCall(_req, ctx) {
    echoMetadata(ctx);
    return {};
  },
  UnaryCall(req, ctx) {
    echoMetadata(ctx);
    checkCompressed(req.expect_compressed, ctx);
    echoStatus(req.response_status);
    checkType(req.response_type);
    const compress = req.response_compressed?.value === true;
    if (compress) ctx.responseEncoding = "gzip";
    return outgoing({ payload: zeros(req.response_size) }, { compress });
  },
  CacheableUnaryCall(_req, ctx) {
    ctx.responseHeaders.set("cache-control", "max-age=60, public");
    return { payload: { type: 0, body: Buffer.from(String(process.hrtime.bigint())) } };
  },
  async *StreamingOutputCall(req, ctx) {
    echoMetadata(ctx);
    echoStatus(req.response_status);
    if (wantsCompression(req)) ctx.responseEncoding = "gzip";
    yield* respond(req, ctx);
  },
  async StreamingInputCall(reqs, ctx) {
    echoMetadata(ctx);
    let total = 0;
    for await (const req of reqs) {
      checkCompressed(req.expect_compressed, ctx);
      total += req.payload?.body?.length ?? 0;
    }
    return { aggregated_payload_size: total };
  },
  async *FullDuplexCall(reqs, ctx) {
    echoMetadata(ctx);
    for await (const req of reqs) {
      echoStatus(req.response_status);
      if (wantsCompression(req)) ctx.responseEncoding = "gzip"; // takes effect if no header went out yet
      yield* respond(req, ctx);
    }
  },
  async *HalfDuplexCall(reqs, ctx) {
    echoMetadata(ctx);
    const buffered: StreamingOutputCallRequest[] = [];
    for await (const req of reqs) buffered.push(req);
    if (buffered.some(wantsCompression)) ctx.responseEncoding = "gzip";
    for (const req of buffered) {
      echoStatus(req.response_status);
      yield* respond(req, ctx);
    }
  },
};

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const port = portFlag(flags, "port", 0);
  const host = flags.get("host") ?? "127.0.0.1";
  const { TestService } = loadTestServices();
  const server = createServer({}).service(TestService, testService);
  const bound = await server.listen({ port, host });
  console.log(`listening on port ${bound.port}`);
  const stop = () => void server.close({ graceMs: 1_000 }).then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e) => {
  console.error(`weir-server: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
