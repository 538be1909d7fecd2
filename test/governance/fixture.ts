// Test fixture of the governance tests (not a test file): a small service on real Weir gRPC
// servers, and clients of it over the gRPC transport.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError, parseProto, type Middleware, type ServerCallContext } from "../../src/index.js";
import type { BidiStreamMethod, ClientStreamMethod, ServerStreamMethod, UnaryMethod } from "../../src/index.js";
import { createServer, type Server, type ServerOptions } from "../../src/transport/index.js";

export interface WorkRequest { text?: string; delay_ms?: number; count?: number; code?: number }
export interface WorkReply { text?: string; index?: number; server?: string; attempt?: string; timeout_ms?: number }
export type WorkMethods = {
  Do: UnaryMethod<WorkRequest, WorkReply>;
  Write: UnaryMethod<WorkRequest, WorkReply>;
  Tokens: ServerStreamMethod<WorkRequest, WorkReply>;
  Collect: ClientStreamMethod<WorkRequest, WorkReply>;
  Chat: BidiStreamMethod<WorkRequest, WorkReply>;
};

export const Work = parseProto(`syntax = "proto3"; package weir.test.gov;
message WorkRequest { string text = 1; int32 delay_ms = 2; int32 count = 3; int32 code = 4; }
message WorkReply { string text = 1; int32 index = 2; string server = 3; string attempt = 4; int32 timeout_ms = 5; }
service Work {
  rpc Do(WorkRequest) returns (WorkReply) { option idempotency_level = IDEMPOTENT; }
  rpc Write(WorkRequest) returns (WorkReply);
  rpc Tokens(WorkRequest) returns (stream WorkReply) { option idempotency_level = IDEMPOTENT; }
  rpc Collect(stream WorkRequest) returns (WorkReply) { option idempotency_level = IDEMPOTENT; }
  rpc Chat(stream WorkRequest) returns (stream WorkReply) { option idempotency_level = IDEMPOTENT; }
}`).service<WorkMethods>("weir.test.gov.Work");

/** How a fixture server behaves; change it while the server runs. */
export interface Behaviour {
  /** Extra delay of every call (ms); a function may depend on the call. */
  delayMs: number | ((req: WorkRequest, ctx: ServerCallContext) => number);
  /** Fail calls with this code (a function may decide per call; undefined lets it pass). */
  failCode?: Code | ((req: WorkRequest, ctx: ServerCallContext) => Code | undefined);
  calls: number;
  /** Called when a unary call reaches the handler. */
  onStart?: () => void;
}

/** Wait `ms`, stopping early (with the abort reason) when the call is cancelled. */
export async function pause(ms: number, ctx: ServerCallContext): Promise<void> {
  if (ms <= 0) return;
  await sleep(ms, undefined, { signal: ctx.signal }).catch(() => { throw RpcError.from(ctx.signal.reason, Code.Canceled); });
}

export function workImpl(name: string, b: Behaviour) {
  const delay = (req: WorkRequest, ctx: ServerCallContext) => (typeof b.delayMs === "function" ? b.delayMs(req, ctx) : b.delayMs) + (req.delay_ms ?? 0);
  const check = (req: WorkRequest, ctx: ServerCallContext) => {
    b.calls++;
    const code = typeof b.failCode === "function" ? b.failCode(req, ctx) : b.failCode;
    if (code !== undefined) throw new RpcError(code, `${name} told to fail`);
  };
  const asked = (req: WorkRequest) => {
    if (req.code) throw new RpcError(req.code as Code, `request asked for code ${req.code}`);
  };
  const info = (ctx: ServerCallContext) => ({
    server: name,
    attempt: ctx.requestMetadata.getString("rpc-persist-retryreq") ?? "",
    timeout_ms: Math.round(ctx.timeRemaining() ?? -1),
  });
  return {
    async Do(req: WorkRequest, ctx: ServerCallContext): Promise<WorkReply> {
      b.calls++;
      b.onStart?.();
      await pause(delay(req, ctx), ctx);
      b.calls--;
      check(req, ctx);
      asked(req);
      return { text: req.text ?? "", ...info(ctx) };
    },
    async Write(req: WorkRequest, ctx: ServerCallContext): Promise<WorkReply> {
      b.calls++;
      b.onStart?.();
      await pause(delay(req, ctx), ctx);
      b.calls--;
      check(req, ctx);
      asked(req);
      return { text: req.text ?? "", ...info(ctx) };
    },
    async *Tokens(req: WorkRequest, ctx: ServerCallContext): AsyncGenerator<WorkReply> {
      check(req, ctx);
      await pause(delay(req, ctx), ctx);
      for (let i = 0; i < (req.count ?? 1); i++) {
        if (i === 1) asked(req); // a requested failure comes after the first message
        yield { text: `${req.text ?? ""}${i}`, index: i, ...info(ctx) };
      }
    },
    async Collect(reqs: AsyncIterable<WorkRequest>, ctx: ServerCallContext): Promise<WorkReply> {
      let text = "";
      for await (const r of reqs) { check(r, ctx); text += r.text ?? ""; }
      await pause(delay({}, ctx), ctx);
      return { text, ...info(ctx) };
    },
    async *Chat(reqs: AsyncIterable<WorkRequest>, ctx: ServerCallContext): AsyncGenerator<WorkReply> {
      let i = 0;
      for await (const r of reqs) {
        check(r, ctx);
        await pause(delay(r, ctx), ctx);
        yield { text: r.text ?? "", index: i++, ...info(ctx) };
      }
    },
  };
}

export interface Running {
  readonly server: Server;
  readonly address: string;
  readonly behaviour: Behaviour;
}

/** Start a Weir gRPC server of the Work service on 127.0.0.1, a free port. */
export async function startWork(name: string, options: ServerOptions & { behaviour?: Partial<Behaviour>; middleware?: readonly Middleware<ServerCallContext>[] } = {}): Promise<Running> {
  const behaviour: Behaviour = { delayMs: 0, calls: 0, ...options.behaviour };
  const server = createServer({ health: false, reflection: false, shutdownGraceMs: 100, ...options }).service(Work, workImpl(name, behaviour));
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, address: `127.0.0.1:${port}`, behaviour };
}
