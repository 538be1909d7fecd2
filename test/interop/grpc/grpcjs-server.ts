/**
 * The interop test server on @grpc/grpc-js, a peer for Weir's client.
 *
 *   node dist/test/interop/grpc/grpcjs-server.js --port=N [--host=127.0.0.1]
 *
 * Prints `listening on port N` once it accepts calls. Serves grpc.testing.TestService except
 * UnimplementedCall, and not grpc.testing.UnimplementedService.
 *
 * What grpc-js 1.14 cannot do, and so this server cannot either:
 * - compress responses: its server always writes the compressed flag as 0, so a request with
 *   `response_compressed` / `ResponseParameters.compressed` set to true fails with UNIMPLEMENTED
 *   and a message saying so, rather than silently answering uncompressed;
 * - tell a handler whether a request message arrived compressed: it strips `grpc-encoding` from
 *   the metadata. A server interceptor reads the call's encoding from grpc-js's call object
 *   (read only) and passes it on in metadata, so `expect_compressed: true` is checked against the
 *   call's encoding (identity means uncompressed). A message sent uncompressed inside a
 *   compressed call cannot be told apart, so `expect_compressed: false` is not checked here.
 */
// lint-tests: a child process, stopped by RunningServer.stop() in peers.ts
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { parseFlags, portFlag } from "./args.js";
import { TEST_PROTO, protoRoot } from "./paths.js";
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } from "./spec.js";

interface BoolValue { value?: boolean }
interface Payload { type?: number; body?: Buffer }
interface EchoStatus { code?: number; message?: string }
interface SimpleRequest {
  response_type?: number; response_size?: number; payload?: Payload;
  response_compressed?: BoolValue; response_status?: EchoStatus; expect_compressed?: BoolValue;
}
interface ResponseParameters { size?: number; interval_us?: number; compressed?: BoolValue }
interface StreamingOutputCallRequest {
  response_type?: number; response_parameters?: ResponseParameters[]; payload?: Payload; response_status?: EchoStatus;
}
interface StreamingInputCallRequest { payload?: Payload; expect_compressed?: BoolValue }
type Out = { payload: Payload };

const ENCODING_KEY = "x-interop-incoming-encoding";

class StatusError extends Error {
  constructor(readonly code: number, readonly details: string, readonly metadata?: grpc.Metadata) {
    super(details);
  }
}

/** Copies the call's request encoding (kept by grpc-js, hidden from handlers) into metadata. */
const exposeEncoding: grpc.ServerInterceptor = (_method, call) => {
  const encoding = (call as unknown as { incomingEncoding?: unknown }).incomingEncoding;
  return new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (md, pass) => {
          md.set(ENCODING_KEY, typeof encoding === "string" ? encoding : "unknown");
          pass(md);
        },
      }),
  });
};

function echoHeader(call: { metadata: grpc.Metadata; sendMetadata(md: grpc.Metadata): void }): void {
  const initial = call.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    md.set(ECHO_INITIAL_KEY, initial[0]!);
    call.sendMetadata(md);
  }
}

function echoTrailer(metadata: grpc.Metadata): grpc.Metadata {
  const md = new grpc.Metadata();
  const trailing = metadata.get(ECHO_TRAILING_KEY);
  if (trailing.length > 0) md.set(ECHO_TRAILING_KEY, trailing[0]!);
  return md;
}

function checkStatus(status: EchoStatus | undefined, metadata: grpc.Metadata): void {
  if (status && (status.code ?? 0) !== 0) {
    throw new StatusError(status.code!, status.message ?? "", echoTrailer(metadata));
  }
}

function checkCompressedRequest(expect: BoolValue | undefined, metadata: grpc.Metadata): void {
  if (!expect?.value) return; // false cannot be checked per message on grpc-js; see the file comment
  const encoding = String(metadata.get(ENCODING_KEY)[0] ?? "identity");
  if (encoding === "identity") {
    throw new StatusError(grpc.status.INVALID_ARGUMENT, "expected a compressed request, got an uncompressed one");
  }
}

function payload(type: number | undefined, size: number | undefined): Payload {
  const n = size ?? 0;
  if (n < 0) throw new StatusError(grpc.status.INVALID_ARGUMENT, `response size ${n} is negative`);
  return { type: type ?? 0, body: Buffer.alloc(n) };
}

function refuseCompression(wanted: BoolValue | undefined): void {
  if (wanted?.value) {
    throw new StatusError(grpc.status.UNIMPLEMENTED, "a @grpc/grpc-js server cannot send compressed messages");
  }
}

function toStatus(e: unknown): Partial<grpc.StatusObject> {
  if (e instanceof StatusError) return { code: e.code, details: e.details, metadata: e.metadata ?? new grpc.Metadata() };
  return { code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) };
}

const handlers: grpc.UntypedServiceImplementation = {
  EmptyCall(call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) {
    echoHeader(call);
    callback(null, {}, echoTrailer(call.metadata));
  },
  UnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, object>, callback: grpc.sendUnaryData<object>) {
    echoHeader(call);
    try {
      const req = call.request;
      checkCompressedRequest(req.expect_compressed, call.metadata);
      checkStatus(req.response_status, call.metadata);
      refuseCompression(req.response_compressed);
      callback(null, { payload: payload(req.response_type, req.response_size) }, echoTrailer(call.metadata));
    } catch (e) {
      callback(toStatus(e));
    }
  },
  CacheableUnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, object>, callback: grpc.sendUnaryData<object>) {
    const md = new grpc.Metadata();
    md.set("cache-control", "max-age=60, public");
    call.sendMetadata(md);
    callback(null, { payload: { type: 0, body: Buffer.from(String(process.hrtime.bigint())) } });
  },
  StreamingOutputCall(call: grpc.ServerWritableStream<StreamingOutputCallRequest, Out>) {
    echoHeader(call);
    void (async () => {
      checkStatus(call.request.response_status, call.metadata);
      await respond(call, call.request);
      call.end(echoTrailer(call.metadata));
    })().catch((e) => call.emit("error", toStatus(e)));
  },
  StreamingInputCall(call: grpc.ServerReadableStream<StreamingInputCallRequest, object>, callback: grpc.sendUnaryData<object>) {
    echoHeader(call);
    void (async () => {
      let total = 0;
      for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<StreamingInputCallRequest>) {
        checkCompressedRequest(req.expect_compressed, call.metadata);
        total += req.payload?.body?.length ?? 0;
      }
      callback(null, { aggregated_payload_size: total }, echoTrailer(call.metadata));
    })().catch((e) => callback(toStatus(e)));
  },
  FullDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, Out>) {
    echoHeader(call);
    void (async () => {
      for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<StreamingOutputCallRequest>) {
        checkStatus(req.response_status, call.metadata);
        await respond(call, req);
      }
      call.end(echoTrailer(call.metadata));
    })().catch((e) => call.emit("error", toStatus(e)));
  },
  HalfDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, Out>) {
    echoHeader(call);
    void (async () => {
      const all: StreamingOutputCallRequest[] = [];
      for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<StreamingOutputCallRequest>) all.push(req);
      for (const req of all) {
        checkStatus(req.response_status, call.metadata);
        await respond(call, req);
      }
      call.end(echoTrailer(call.metadata));
    })().catch((e) => call.emit("error", toStatus(e)));
  },
};

/** One response per ResponseParameters, each after its interval. */
async function respond(call: grpc.ServerWritableStream<unknown, Out> | grpc.ServerDuplexStream<unknown, Out>, req: StreamingOutputCallRequest) {
  for (const p of req.response_parameters ?? []) {
    refuseCompression(p.compressed);
    if ((p.interval_us ?? 0) > 0) await sleep(p.interval_us! / 1000);
    if (call.cancelled) return;
    const body = payload(req.response_type, p.size);
    if (!call.write({ payload: body })) await new Promise((resolve) => call.once("drain", resolve));
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const port = portFlag(flags, "port", 0);
  const host = flags.get("host") ?? "127.0.0.1";
  const def = protoLoader.loadSync(TEST_PROTO, { keepCase: true, includeDirs: [protoRoot()] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { testing: { TestService: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server({ interceptors: [exposeEncoding] });
  const service = { ...pkg.grpc.testing.TestService.service };
  delete (service as Record<string, unknown>)["UnimplementedCall"];
  server.addService(service, handlers);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  console.log(`listening on port ${bound}`);
  const stop = () => {
    setTimeout(() => server.forceShutdown(), 1_000).unref(); // calls cancelled by their clients never finish
    server.tryShutdown(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e) => {
  console.error(`grpcjs-server: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
