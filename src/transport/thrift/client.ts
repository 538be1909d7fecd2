import { thriftMethodOf, type ThriftMethod } from "../../codec/thrift/index.js";
import { Code, RpcError } from "../../core/index.js";
import { unwrapOutgoing, type Call, type ClientCallContext, type ClientTransport } from "../../rpc/index.js";
import { bizErrorFromKeys } from "../ttheader/biz-error.js";
import { IntKey, LOG_ID_METADATA, StrKey } from "../ttheader/keys.js";
import { abortSourceOf } from "./abort-source.js";
import { appExceptionToError, decodeAppException } from "./app-exception.js";
import { resolveThriftClientOptions, type ResolvedThriftClientOptions, type ThriftClientOptions } from "./client-options.js";
import { ConnectionPool } from "./client-pool.js";
import { parseTarget } from "../target.js";
import { wrapRequest, type EnvelopeMeta, type RequestEnvelope } from "./envelope.js";
import { metadataFromStringKeys, metadataToStringKeys } from "./metadata.js";
import { MessageType, writeMessageHeader, type ThriftProtocol } from "./message.js";
import { bareServiceName } from "./routes.js";
import { THeaderProtocolId, THeaderTransform } from "./theader.js";
import { openUnitAsync, type WireKind, type WireMessage } from "./wire.js";

export type { ThriftClientOptions, ThriftTransportKind } from "./client-options.js";

/**
 * A client transport for the Thrift message protocols: pass it to `createClient` with a service
 * loaded from a `.thrift` file. Unary and oneway methods only (streaming needs gRPC). Declared
 * exceptions are thrown as the handler threw them; a TApplicationException becomes an RpcError
 * (UNKNOWN_METHOD → UNIMPLEMENTED, others INTERNAL); a Kitex business error an RpcError made by
 * `bizError`. The deadline travels as the TTHeader RPCTimeout key or THeader `client_timeout`;
 * on TTHeader, metadata `log-id` travels as the LogID int key and the rest as string keys.
 *
 * @example
 * const echo = createClient(Echo, createThriftTransport({ target: "127.0.0.1:9090", transport: "ttheader" }));
 * await echo.ping({ msg: "hi" }, { timeoutMs: 1000 });
 */
export function createThriftTransport(options: ThriftClientOptions): ClientTransport {
  return new ThriftClientTransport(options);
}

/** Options of `createTTHeaderTransport`: those of `createThriftTransport` that apply to TTHeader. */
export type TTHeaderClientOptions = Omit<ThriftClientOptions, "transport" | "protocol" | "zlib" | "multiplexed">;

/**
 * A Kitex TTHeader client transport (Thrift binary inside TTHeader, one call per pooled
 * connection): ToMethod and RPCTimeout int keys, the `isn` string key, metadata as string keys;
 * business errors in the reply come back as `bizError` RpcErrors.
 *
 * @example
 * const echo = createClient(Echo, createTTHeaderTransport({ target: "127.0.0.1:8888" }));
 * await echo.ping({ msg: "hi" }, { timeoutMs: 500 });
 */
export function createTTHeaderTransport(options: TTHeaderClientOptions): ClientTransport {
  return createThriftTransport({ ...options, transport: "ttheader", protocol: "binary" });
}

class ThriftClientTransport implements ClientTransport {
  readonly protocol: string;
  readonly target: string;
  private readonly pool: ConnectionPool;
  private readonly kind: WireKind;
  private readonly wireProtocol: ThriftProtocol;
  private readonly o: ResolvedThriftClientOptions;
  private seq = 0;

  constructor(options: ThriftClientOptions) {
    const o = (this.o = resolveThriftClientOptions(options));
    this.kind = o.transport === "header" ? "theader" : o.transport;
    this.wireProtocol = o.protocol;
    const { host, port } = parseTarget(o.target, { requirePort: true });
    this.target = o.target;
    this.protocol = o.transport === "ttheader" ? "ttheader" : `thrift-${o.transport}-${this.wireProtocol}`;
    this.pool = new ConnectionPool({ ...o, host, port, maxDepth: 64 });
  }

  async call(call: Call<ClientCallContext>): Promise<unknown> {
    const { method, ctx } = call;
    if (method.kind !== "unary") {
      throw new RpcError(Code.Unimplemented, `${method.name} is a streaming method; Thrift ${this.kind} carries unary calls only (use gRPC)`);
    }
    const wire = thriftMethodOf(method);
    if (!wire) throw new RpcError(Code.InvalidArgument, `${method.path} was not loaded from a .thrift file`);
    const seqId = (this.seq = (this.seq + 1) | 0);
    const name = this.o.multiplexed ? `${bareServiceName(method.serviceName)}:${method.name}` : method.name;
    const type = wire.oneway ? MessageType.Oneway : MessageType.Call;
    const body = wire.encodeArgs(this.wireProtocol, unwrapOutgoing(call.request));
    const message = Buffer.concat([writeMessageHeader(this.wireProtocol, name, type, seqId), body]);
    const parts = wrapRequest(this.envelope(seqId), message, this.meta(call, name));
    const unit = await this.pool.exchange(parts, wire.oneway, abortSourceOf(ctx));
    if (!unit) return undefined;
    return this.readReply(await openUnitAsync(unit, this.o.maxFrameBytes), wire, seqId, ctx);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private envelope(seqId: number): RequestEnvelope {
    return {
      kind: this.kind, seqId, ttheaderFramed: this.o.ttheaderFramed,
      theaderProtocolId: this.wireProtocol === "compact" ? THeaderProtocolId.Compact : THeaderProtocolId.Binary,
      transforms: this.o.zlib ? [THeaderTransform.Zlib] : [],
    };
  }

  /** TTHeader: ToMethod, RPCTimeout, `isn` and metadata; THeader: `isn`, `client_timeout` and metadata. */
  private meta(call: Call<ClientCallContext>, name: string): EnvelopeMeta {
    if (this.kind !== "ttheader" && this.kind !== "theader") return {};
    const strInfo = metadataToStringKeys(call.ctx.requestMetadata, new Map());
    if (!this.o.multiplexed) strInfo.set(StrKey.IdlServiceName, this.o.serviceName ?? bareServiceName(call.method.serviceName));
    const remaining = call.ctx.timeRemaining();
    if (this.kind === "theader") {
      if (remaining !== undefined) strInfo.set("client_timeout", String(Math.max(1, Math.ceil(remaining))));
      return { strInfo };
    }
    const intInfo = new Map<number, string>([[IntKey.ToMethod, name]]);
    if (remaining !== undefined) intInfo.set(IntKey.RpcTimeout, String(Math.max(1, Math.ceil(remaining))));
    const logId = strInfo.get(LOG_ID_METADATA);
    if (logId !== undefined) {
      strInfo.delete(LOG_ID_METADATA);
      intInfo.set(IntKey.LogId, logId);
    }
    return { intInfo, strInfo };
  }

  private readReply(msg: WireMessage, wire: ThriftMethod, seqId: number, ctx: ClientCallContext): unknown {
    const keys = msg.ttheader?.strInfo ?? msg.theader?.headers;
    if (keys && keys.size > 0) ctx.responseHeaders.merge(metadataFromStringKeys(keys));
    ctx.onHeader?.(ctx.responseHeaders);
    ctx.onTrailer?.(ctx.responseTrailers);
    const h = msg.header;
    if (h.seqId !== seqId) throw new RpcError(Code.Internal, `thrift: reply has seq id ${h.seqId}, expected ${seqId}`);
    if (h.type === MessageType.Exception) {
      throw appExceptionToError(decodeAppException(msg.protocol, msg.message, h.bodyOffset));
    }
    if (h.type !== MessageType.Reply) throw new RpcError(Code.Internal, `thrift: reply has message type ${h.type}`);
    const biz = msg.ttheader ? bizErrorFromKeys(msg.ttheader.strInfo) : undefined;
    if (biz) throw biz;
    return wire.decodeResult(msg.protocol, msg.message, h.bodyOffset);
  }
}
