/**
 * The interop test client on @grpc/grpc-js, a peer for Weir's server.
 *
 *   node dist/test/interop/grpc/grpcjs-client.js --server_host=H --server_port=N --test_case=NAME[,NAME…]
 *
 * Exits 0 when every named case passes. What grpc-js lets a client observe, and so what is checked:
 * - grpc-js hides per-message compressed flags and removes `grpc-encoding` from response
 *   metadata, so server_compressed_unary / server_compressed_streaming check status and payload
 *   sizes only (the interop description allows this for clients without access to the flags);
 * - request compression is per channel (`grpc.default_compression_algorithm`), so each compressed
 *   call gets a fresh client; a message is sent uncompressed inside a compressed call with the
 *   NoCompress write flag (2). Fresh, because grpc-js stops compressing on a channel once a server
 *   lists its encodings with spaces ("identity, deflate, gzip", as C-core does): it splits the
 *   list on "," without trimming and then finds no "gzip".
 */
// lint-tests: a child process, killed by runClient() in peers.ts after its timeout
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { caseList, parseFlags, portFlag } from "./args.js";
import { TEST_PROTO, protoRoot } from "./paths.js";
import { check, checkEqual, runCases, type CaseTable } from "./run-cases.js";
import * as S from "./spec.js";

type Msg = Record<string, any>;
type AnyClient = grpc.Client & Record<string, any>;
interface Unary { response: Msg; headers: grpc.Metadata; trailers: grpc.Metadata }
interface Streamed { responses: Msg[]; headers: grpc.Metadata; trailers: grpc.Metadata }

const NO_COMPRESS = 2; // grpc-js WriteFlags.NoCompress
const GZIP = 2; // grpc-js CompressionAlgorithms.gzip

const zeros = (n: number) => ({ type: 0, body: Buffer.alloc(n) });

function unary(client: AnyClient, method: string, req: Msg, md = new grpc.Metadata(), opts: grpc.CallOptions = {}): Promise<Unary> {
  return new Promise((resolve, reject) => {
    let response: Msg | undefined;
    let headers = new grpc.Metadata();
    const call: grpc.ClientUnaryCall = client[method](req, md, opts, (err: grpc.ServiceError | null, res: Msg) => {
      if (err) reject(err); else response = res;
    });
    call.on("metadata", (h: grpc.Metadata) => (headers = h));
    call.on("status", (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) setImmediate(() => resolve({ response: response!, headers, trailers: s.metadata }));
    });
  });
}

/** Resolves on an OK status, rejects with the call's error; reads nothing. */
function statusOf(call: grpc.ClientDuplexStream<Msg, Msg>): Promise<void> {
  return new Promise((resolve, reject) => {
    call.on("error", reject);
    call.on("status", (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve();
    });
  });
}

/** Collects every response, the headers and the trailers of an OK call; rejects with its error. */
function collect(call: grpc.ClientDuplexStream<Msg, Msg> | grpc.ClientReadableStream<Msg>): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const responses: Msg[] = [];
    let headers = new grpc.Metadata();
    call.on("metadata", (h: grpc.Metadata) => (headers = h));
    call.on("data", (m: Msg) => responses.push(m));
    call.on("error", reject);
    call.on("status", (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve({ responses, headers, trailers: s.metadata });
    });
  });
}

function clientStream(client: AnyClient, reqs: readonly [Msg, number][], md = new grpc.Metadata()): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const call: grpc.ClientWritableStream<Msg> = client.StreamingInputCall(md, (err: grpc.ServiceError | null, res: Msg) =>
      err ? reject(err) : resolve(res),
    );
    for (const [req, flags] of reqs) call.write(req, flags as unknown as BufferEncoding);
    call.end();
  });
}

async function expectError(work: Promise<unknown>, code: number, details?: string): Promise<grpc.ServiceError> {
  let err: grpc.ServiceError;
  try {
    await work;
  } catch (e) {
    err = e as grpc.ServiceError;
    checkEqual(err.code, code, `status code (details ${JSON.stringify(err.details)})`);
    if (details !== undefined) checkEqual(err.details, details, "status message");
    return err;
  }
  throw new Error(`the call succeeded; expected status ${code}`);
}

function checkPayload(p: Msg | undefined, size: number, what: string): void {
  const body: Buffer | undefined = p?.["body"];
  checkEqual(body?.length ?? 0, size, `${what} payload size`);
  if (body) check(S.allZero(body), `${what} payload is not all zeros`);
}

function checkEcho(headers: grpc.Metadata, trailers: grpc.Metadata, what: string): void {
  checkEqual(headers.get(S.ECHO_INITIAL_KEY)[0], S.ECHO_INITIAL_VALUE, `${what}: echoed initial metadata`);
  const bin = trailers.get(S.ECHO_TRAILING_KEY)[0];
  check(Buffer.isBuffer(bin) && bin.equals(Buffer.from(S.ECHO_TRAILING_VALUE)), `${what}: echoed trailing metadata is ${bin?.toString("hex")}, expected ababab`);
}

function cases(c: AnyClient, gz: () => AnyClient, none: AnyClient): CaseTable {
  const large = (extra: Msg = {}) => ({ response_size: S.LARGE_RESPONSE, payload: zeros(S.LARGE_REQUEST), ...extra });
  return {
    async empty_unary() {
      const { response } = await unary(c, "EmptyCall", {});
      check(response !== null && typeof response === "object", "no response");
    },
    async large_unary() {
      checkPayload((await unary(c, "UnaryCall", large())).response["payload"], S.LARGE_RESPONSE, "response");
    },
    async client_streaming() {
      const res = await clientStream(c, S.CLIENT_STREAM_SIZES.map((n) => [{ payload: zeros(n) }, 0]));
      checkEqual(res["aggregated_payload_size"], S.CLIENT_STREAM_TOTAL, "aggregated_payload_size");
    },
    async server_streaming() {
      const req = { response_parameters: S.SERVER_STREAM_SIZES.map((size) => ({ size })) };
      const { responses } = await collect(c.StreamingOutputCall(req));
      checkEqual(responses.length, S.SERVER_STREAM_SIZES.length, "responses");
      responses.forEach((r, i) => checkPayload(r["payload"], S.SERVER_STREAM_SIZES[i]!, `response ${i}`));
    },
    async ping_pong() {
      const call: grpc.ClientDuplexStream<Msg, Msg> = c.FullDuplexCall();
      const done = statusOf(call);
      const it = call.iterator({ destroyOnReturn: false }) as AsyncIterator<Msg>;
      for (const [reqSize, resSize] of S.PING_PONG) {
        call.write({ response_parameters: [{ size: resSize }], payload: zeros(reqSize) });
        const next = await it.next();
        check(!next.done, `stream ended before the response of size ${resSize}`);
        checkPayload(next.value["payload"], resSize, "response");
      }
      call.end();
      check((await it.next()).done, "more responses than requests");
      await done;
    },
    async empty_stream() {
      const call = c.FullDuplexCall();
      const done = collect(call);
      call.end();
      checkEqual((await done).responses.length, 0, "responses");
    },
    async custom_metadata() {
      const md = new grpc.Metadata();
      md.set(S.ECHO_INITIAL_KEY, S.ECHO_INITIAL_VALUE);
      md.set(S.ECHO_TRAILING_KEY, Buffer.from(S.ECHO_TRAILING_VALUE));
      const u = await unary(c, "UnaryCall", large(), md);
      checkPayload(u.response["payload"], S.LARGE_RESPONSE, "unary response");
      checkEcho(u.headers, u.trailers, "UnaryCall");
      const call = c.FullDuplexCall(md);
      const done = collect(call);
      call.end({ response_parameters: [{ size: S.LARGE_RESPONSE }], payload: zeros(S.LARGE_REQUEST) });
      const d = await done;
      checkEqual(d.responses.length, 1, "FullDuplexCall responses");
      checkEcho(d.headers, d.trailers, "FullDuplexCall");
    },
    async status_code_and_message() {
      const response_status = { code: S.STATUS.UNKNOWN, message: S.STATUS_MESSAGE };
      await expectError(unary(c, "UnaryCall", { response_status }), S.STATUS.UNKNOWN, S.STATUS_MESSAGE);
      const call = c.FullDuplexCall();
      const done = collect(call);
      call.end({ response_status });
      await expectError(done, S.STATUS.UNKNOWN, S.STATUS_MESSAGE);
    },
    async special_status_message() {
      const response_status = { code: S.STATUS.UNKNOWN, message: S.SPECIAL_STATUS_MESSAGE };
      await expectError(unary(c, "UnaryCall", { response_status }), S.STATUS.UNKNOWN, S.SPECIAL_STATUS_MESSAGE);
    },
    async unimplemented_method() {
      await expectError(unary(c, "UnimplementedCall", {}), S.STATUS.UNIMPLEMENTED);
    },
    async unimplemented_service() {
      await expectError(unary(none, "UnimplementedCall", {}), S.STATUS.UNIMPLEMENTED);
    },
    async cancel_after_begin() {
      const done = new Promise<Msg>((resolve, reject) => {
        const call = c.StreamingInputCall((err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res)));
        call.cancel();
      });
      await expectError(done, S.STATUS.CANCELLED);
    },
    async cancel_after_first_response() {
      const call: grpc.ClientDuplexStream<Msg, Msg> = c.FullDuplexCall();
      const failed = new Promise<void>((resolve, reject) => call.on("error", reject).on("status", () => resolve()));
      const first = new Promise<Msg>((resolve) => call.once("data", resolve));
      call.write({ response_parameters: [{ size: 31_415 }], payload: zeros(27_182) });
      checkPayload((await first)["payload"], 31_415, "first response");
      call.cancel();
      await expectError(failed, S.STATUS.CANCELLED);
    },
    async timeout_on_sleeping_server() {
      const call: grpc.ClientDuplexStream<Msg, Msg> = c.FullDuplexCall({ deadline: Date.now() + 1 });
      const done = collect(call);
      call.write({ payload: zeros(27_182) });
      await expectError(done, S.STATUS.DEADLINE_EXCEEDED);
    },
    async client_compressed_unary() {
      const probe = large({ expect_compressed: { value: true } });
      await expectError(unary(c, "UnaryCall", probe), S.STATUS.INVALID_ARGUMENT);
      checkPayload((await unary(gz(), "UnaryCall", probe)).response["payload"], S.LARGE_RESPONSE, "compressed call");
      const plain = large({ expect_compressed: { value: false } });
      checkPayload((await unary(c, "UnaryCall", plain)).response["payload"], S.LARGE_RESPONSE, "uncompressed call");
    },
    async server_compressed_unary() {
      for (const value of [true, false]) {
        const { response } = await unary(c, "UnaryCall", large({ response_compressed: { value } }));
        checkPayload(response["payload"], S.LARGE_RESPONSE, `response_compressed=${value}`);
      }
    },
    async client_compressed_streaming() {
      const [first, second] = S.COMPRESSED_STREAM_SIZES;
      const probe = { expect_compressed: { value: true }, payload: zeros(first) };
      await expectError(clientStream(c, [[probe, 0]]), S.STATUS.INVALID_ARGUMENT);
      const plain = { expect_compressed: { value: false }, payload: zeros(second) };
      const res = await clientStream(gz(), [[probe, 0], [plain, NO_COMPRESS]]);
      checkEqual(res["aggregated_payload_size"], S.COMPRESSED_STREAM_TOTAL, "aggregated_payload_size");
    },
    async server_compressed_streaming() {
      const req = { response_parameters: S.SERVER_COMPRESSED_STREAM.map(([value, size]) => ({ compressed: { value }, size })) };
      const { responses } = await collect(c.StreamingOutputCall(req));
      checkEqual(responses.length, S.SERVER_COMPRESSED_STREAM.length, "responses");
      responses.forEach((r, i) => checkPayload(r["payload"], S.SERVER_COMPRESSED_STREAM[i]![1], `response ${i}`));
    },
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const target = `${flags.get("server_host") ?? "127.0.0.1"}:${portFlag(flags, "server_port")}`;
  const names = caseList(flags);
  const def = protoLoader.loadSync(TEST_PROTO, { keepCase: true, includeDirs: [protoRoot()] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { testing: Record<string, grpc.ServiceClientConstructor> } };
  const { TestService, UnimplementedService } = pkg.grpc.testing as Record<string, grpc.ServiceClientConstructor>;
  const creds = grpc.credentials.createInsecure();
  const c = new TestService!(target, creds) as AnyClient;
  const none = new UnimplementedService!(target, creds) as AnyClient;
  const opened = [c, none];
  const gz = () => {
    const client = new TestService!(target, creds, { "grpc.default_compression_algorithm": GZIP }) as AnyClient;
    opened.push(client);
    return client;
  };
  try {
    return await runCases("grpcjs-client", names, cases(c, gz, none));
  } finally {
    for (const client of opened) client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`grpcjs-client: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
