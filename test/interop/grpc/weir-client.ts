/**
 * The interop test client on Weir: runs cases of gRPC's cross-language interop suite.
 *
 *   npm run interop:client -- --server_host=H --server_port=N --test_case=NAME[,NAME…]
 *
 * Prints `PASS name` per passing case and `FAIL name: why` per failing one; exits 0 only when all
 * pass. In server_compressed_unary / server_compressed_streaming the compressed flag of each
 * response message is checked, as read by a client middleware from
 * `ClientCallContext.lastResponseCompressed` when the message is handed out.
 */
import {
  Metadata, RpcError, createClient, outgoing, returnsStream,
  type ClientCallContext, type Middleware,
} from "../../../src/index.js";
import { createGrpcTransport } from "../../../src/transport/grpc/index.js";
import { caseList, parseFlags, portFlag } from "./args.js";
import { loadTestServices, type Payload, type SimpleRequest, type StreamingOutputCallRequest, type TestMethods } from "./messages.js";
import { RequestQueue } from "./request-queue.js";
import { check, checkEqual, runCases, type CaseTable } from "./run-cases.js";
import * as S from "./spec.js";
import type { Client } from "../../../src/index.js";

type TestClient = Client<TestMethods>;

const zeros = (n: number): Payload => ({ type: 0, body: new Uint8Array(n) });
const large = (extra: SimpleRequest = {}): SimpleRequest => ({ response_size: S.LARGE_RESPONSE, payload: zeros(S.LARGE_REQUEST), ...extra });

/** Compressed flags of the response messages of the calls since the last `take()`. */
class CompressionLog {
  private flags: boolean[] = [];

  readonly middleware: Middleware<ClientCallContext> = (next) => async (call) => {
    const read = () => call.ctx.lastResponseCompressed;
    const out = await next(call);
    if (!returnsStream(call.method)) {
      this.flags.push(read());
      return out;
    }
    const log = this.flags;
    return (async function* () {
      for await (const m of out as AsyncIterable<unknown>) {
        log.push(read());
        yield m;
      }
    })();
  };

  take(): boolean[] {
    const f = this.flags;
    this.flags = [];
    return f;
  }
}

function checkFlag(flag: boolean | undefined, want: boolean, what: string): void {
  checkEqual(flag, want, `${what}: compressed flag`);
}

function checkPayload(p: Payload | null | undefined, size: number, what: string): void {
  const body = p?.body ?? new Uint8Array(0);
  checkEqual(body.length, size, `${what} payload size`);
  check(S.allZero(body), `${what} payload is not all zeros`);
}

async function expectError(work: Promise<unknown> | (() => Promise<unknown>), code: number, message?: string): Promise<RpcError> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (e) {
    check(e instanceof RpcError, `expected an RpcError, got ${e}`);
    checkEqual(e.code as number, code, `status code (message ${JSON.stringify(e.rawMessage)})`);
    if (message !== undefined) checkEqual(e.rawMessage, message, "status message");
    return e;
  }
  throw new Error(`the call succeeded; expected status ${code}`);
}

async function drain<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of responses) out.push(r);
  return out;
}

function echoOptions() {
  const seen = { headers: new Metadata(), trailers: new Metadata() };
  const options = {
    metadata: { [S.ECHO_INITIAL_KEY]: S.ECHO_INITIAL_VALUE, [S.ECHO_TRAILING_KEY]: S.ECHO_TRAILING_VALUE },
    onHeader: (h: Metadata) => (seen.headers = h),
    onTrailer: (t: Metadata) => (seen.trailers = t),
  };
  return { seen, options };
}

function checkEcho(seen: { headers: Metadata; trailers: Metadata }, what: string): void {
  checkEqual(seen.headers.get(S.ECHO_INITIAL_KEY), S.ECHO_INITIAL_VALUE, `${what}: echoed initial metadata`);
  const bin = seen.trailers.get(S.ECHO_TRAILING_KEY);
  check(bin instanceof Uint8Array && Buffer.from(bin).equals(Buffer.from(S.ECHO_TRAILING_VALUE)), `${what}: echoed trailing metadata is ${String(bin)}, expected ababab`);
}

function cases(c: TestClient, none: Client<{ UnimplementedCall: TestMethods["UnimplementedCall"] }>, log: CompressionLog): CaseTable {
  return {
    async empty_unary() {
      const res = await c.EmptyCall({});
      check(res !== null && typeof res === "object", "no response");
    },
    async large_unary() {
      checkPayload((await c.UnaryCall(large())).payload, S.LARGE_RESPONSE, "response");
    },
    async client_streaming() {
      const res = await c.StreamingInputCall(S.CLIENT_STREAM_SIZES.map((n) => ({ payload: zeros(n) })));
      checkEqual(res.aggregated_payload_size, S.CLIENT_STREAM_TOTAL, "aggregated_payload_size");
    },
    async server_streaming() {
      const got = await drain(c.StreamingOutputCall({ response_parameters: S.SERVER_STREAM_SIZES.map((size) => ({ size })) }));
      checkEqual(got.length, S.SERVER_STREAM_SIZES.length, "responses");
      got.forEach((r, i) => checkPayload(r.payload, S.SERVER_STREAM_SIZES[i]!, `response ${i}`));
    },
    async ping_pong() {
      const q = new RequestQueue<StreamingOutputCallRequest>();
      const it = c.FullDuplexCall(q)[Symbol.asyncIterator]();
      for (const [reqSize, resSize] of S.PING_PONG) {
        q.push({ response_parameters: [{ size: resSize }], payload: zeros(reqSize) });
        const next = await it.next();
        check(!next.done, `stream ended before the response of size ${resSize}`);
        checkPayload(next.value.payload, resSize, "response");
      }
      q.end();
      check((await it.next()).done, "more responses than requests");
    },
    async empty_stream() {
      checkEqual((await drain(c.FullDuplexCall([]))).length, 0, "responses");
    },
    async custom_metadata() {
      const u = echoOptions();
      checkPayload((await c.UnaryCall(large(), u.options)).payload, S.LARGE_RESPONSE, "unary response");
      checkEcho(u.seen, "UnaryCall");
      const d = echoOptions();
      const req = { response_parameters: [{ size: S.LARGE_RESPONSE }], payload: zeros(S.LARGE_REQUEST) };
      checkEqual((await drain(c.FullDuplexCall([req], d.options))).length, 1, "FullDuplexCall responses");
      checkEcho(d.seen, "FullDuplexCall");
    },
    async status_code_and_message() {
      const response_status = { code: S.STATUS.UNKNOWN, message: S.STATUS_MESSAGE };
      await expectError(c.UnaryCall({ response_status }), S.STATUS.UNKNOWN, S.STATUS_MESSAGE);
      await expectError(drain(c.FullDuplexCall([{ response_status }])), S.STATUS.UNKNOWN, S.STATUS_MESSAGE);
    },
    async special_status_message() {
      const response_status = { code: S.STATUS.UNKNOWN, message: S.SPECIAL_STATUS_MESSAGE };
      await expectError(c.UnaryCall({ response_status }), S.STATUS.UNKNOWN, S.SPECIAL_STATUS_MESSAGE);
    },
    async unimplemented_method() {
      await expectError(c.UnimplementedCall({}), S.STATUS.UNIMPLEMENTED);
    },
    async unimplemented_service() {
      await expectError(none.UnimplementedCall({}), S.STATUS.UNIMPLEMENTED);
    },
    async cancel_after_begin() {
      await c.EmptyCall({}); // connect first, so the call's headers go out before it is cancelled
      const abort = new AbortController();
      const q = new RequestQueue<{ payload: Payload }>();
      const call = c.StreamingInputCall(q, { signal: abort.signal });
      await new Promise((resolve) => setImmediate(resolve));
      abort.abort();
      await expectError(call, S.STATUS.CANCELLED);
    },
    async cancel_after_first_response() {
      const abort = new AbortController();
      const q = new RequestQueue<StreamingOutputCallRequest>();
      const it = c.FullDuplexCall(q, { signal: abort.signal })[Symbol.asyncIterator]();
      q.push({ response_parameters: [{ size: 31_415 }], payload: zeros(27_182) });
      const first = await it.next();
      check(!first.done, "no first response");
      checkPayload(first.value.payload, 31_415, "first response");
      abort.abort();
      await expectError(() => it.next(), S.STATUS.CANCELLED);
    },
    async timeout_on_sleeping_server() {
      const q = new RequestQueue<StreamingOutputCallRequest>();
      q.push({ payload: zeros(27_182) });
      await expectError(drain(c.FullDuplexCall(q, { timeoutMs: 1 })), S.STATUS.DEADLINE_EXCEEDED);
    },
    async client_compressed_unary() {
      const probe = large({ expect_compressed: { value: true } });
      await expectError(c.UnaryCall(probe), S.STATUS.INVALID_ARGUMENT);
      checkPayload((await c.UnaryCall(probe, { compression: "gzip" })).payload, S.LARGE_RESPONSE, "compressed call");
      const plain = large({ expect_compressed: { value: false } });
      checkPayload((await c.UnaryCall(plain)).payload, S.LARGE_RESPONSE, "uncompressed call");
    },
    async server_compressed_unary() {
      for (const value of [true, false]) {
        log.take();
        const res = await c.UnaryCall(large({ response_compressed: { value } }));
        checkFlag(log.take()[0], value, `response_compressed=${value}`);
        checkPayload(res.payload, S.LARGE_RESPONSE, `response_compressed=${value}`);
      }
    },
    async client_compressed_streaming() {
      const [first, second] = S.COMPRESSED_STREAM_SIZES;
      const probe = { expect_compressed: { value: true }, payload: zeros(first) };
      await expectError(c.StreamingInputCall([probe]), S.STATUS.INVALID_ARGUMENT);
      const plain = outgoing({ expect_compressed: { value: false }, payload: zeros(second) }, { compress: false });
      const res = await c.StreamingInputCall([probe, plain], { compression: "gzip" });
      checkEqual(res.aggregated_payload_size, S.COMPRESSED_STREAM_TOTAL, "aggregated_payload_size");
    },
    async server_compressed_streaming() {
      const params = S.SERVER_COMPRESSED_STREAM.map(([value, size]) => ({ compressed: { value }, size }));
      log.take();
      const got = await drain(c.StreamingOutputCall({ response_parameters: params }));
      const flags = log.take();
      checkEqual(got.length, params.length, "responses");
      got.forEach((r, i) => {
        const [want, size] = S.SERVER_COMPRESSED_STREAM[i]!;
        checkFlag(flags[i], want, `response ${i} (${size} bytes)`);
        checkPayload(r.payload, size, `response ${i}`);
      });
    },
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const target = `${flags.get("server_host") ?? "127.0.0.1"}:${portFlag(flags, "server_port")}`;
  const names = caseList(flags);
  const { TestService, UnimplementedService } = loadTestServices();
  const transport = createGrpcTransport({ target });
  const log = new CompressionLog();
  const c = createClient(TestService, transport, { middleware: [log.middleware] });
  const none = createClient(UnimplementedService, transport);
  try {
    return await runCases("weir-client", names, cases(c, none, log));
  } finally {
    await transport.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`weir-client: ${e instanceof Error ? e.stack : e}`);
    process.exit(2);
  },
);
