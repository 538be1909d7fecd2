import { Code, RpcError } from "../../core/index.js";
import type { Codec } from "../../idl/descriptor.js";
import type { ThriftFunction, ThriftStruct } from "../../idl/thrift/index.js";
import { thriftException, thriftExceptionOf } from "./exception.js";
import type { GenOptions } from "./gen-unit.js";
import { thriftFromJson, thriftToJson } from "./json.js";
import { compileStructs, wrapStruct, type ThriftProtocol, type ThriftStructCodec } from "./struct-codec.js";
import { ThriftReader } from "./writer.js";

/** Codecs of one function in one protocol. */
export interface ThriftFunctionCodecs {
  /** `<fn>_args`: the handler's request object (params by name). */
  readonly args: ThriftStructCodec;
  /** `<fn>_result`: `{ success }` or `{ <exceptionField>: value }`; undefined for oneway. */
  readonly result: ThriftStructCodec | undefined;
  /** Streaming functions: the bare request struct (the single parameter's type). */
  readonly request?: ThriftStructCodec;
  /** Streaming functions: the bare response struct (the return type). */
  readonly response?: ThriftStructCodec;
}

/**
 * Everything a transport needs to carry one Thrift function, in `method.options.thrift`:
 * message-level transports (framed, buffered, THeader, TTHeader) put the Args struct after a
 * CALL header and expect the Result struct after a REPLY; Thrift over gRPC uses the descriptor's
 * own `input`/`output` codecs (Args/Result for unary, bare structs for streams, binary protocol).
 *
 * Handler contract: a unary handler gets the params object (`{ msg: "hi" }` for
 * `ping(1: string msg)`) and returns the success value (nothing for void); it throws a declared
 * exception with `thriftException(name, value)`.
 */
export interface ThriftMethod {
  readonly function: ThriftFunction;
  readonly oneway: boolean;
  /** The path a Kitex client sends for this method over gRPC: `/<go package>.<Service>/<method>`. */
  readonly kitexGrpcPath: string;
  /** Codecs per protocol, compiled on first use. */
  codecs(protocol: ThriftProtocol): ThriftFunctionCodecs;
  /** Args struct bytes from `offset` → the handler's request. */
  decodeArgs(protocol: ThriftProtocol, bytes: Uint8Array, offset: number): unknown;
  /** A request object → Args struct bytes. */
  encodeArgs(protocol: ThriftProtocol, request: unknown): Uint8Array;
  /** A handler's return value → Result struct bytes (`success` at field 0; nothing for void). */
  encodeSuccess(protocol: ThriftProtocol, value: unknown): Uint8Array;
  /** An error → Result struct bytes when it carries one of this function's declared exceptions, else undefined. */
  encodeDeclared(protocol: ThriftProtocol, error: unknown): Uint8Array | undefined;
  /** Result struct bytes from `offset` → the success value; a declared exception is thrown (see `thriftException`). */
  decodeResult(protocol: ThriftProtocol, bytes: Uint8Array, offset: number): unknown;
  /** An empty Result struct (STOP only), as Kitex replies with a business error. */
  emptyResult(protocol: ThriftProtocol): Uint8Array;
}

/** The structs a function's codecs need (so a service compiles them in one unit). @internal */
export function functionStructs(fn: ThriftFunction): ThriftStruct[] {
  const out = [fn.argsStruct, fn.resultStruct];
  const arg = fn.params[0]?.type;
  if (fn.streamingMode !== "none" && arg?.kind === "struct") out.push(arg.struct);
  if (fn.streamingMode !== "none" && fn.returns?.kind === "struct") out.push(fn.returns.struct);
  return out;
}

/** Build the ThriftMethod of a function; `compile` gives the codec of a struct in a protocol. @internal */
export function createThriftMethod(
  fn: ThriftFunction, kitexGrpcPath: string, compile: (s: ThriftStruct, p: ThriftProtocol) => ThriftStructCodec,
): ThriftMethod {
  const byProtocol = new Map<ThriftProtocol, ThriftFunctionCodecs>();
  const codecs = (p: ThriftProtocol): ThriftFunctionCodecs => {
    let c = byProtocol.get(p);
    if (!c) {
      const arg = fn.params[0]?.type, ret = fn.returns;
      c = Object.freeze({
        args: compile(fn.argsStruct, p),
        result: fn.oneway ? undefined : compile(fn.resultStruct, p),
        ...(fn.streamingMode !== "none" && arg?.kind === "struct" ? { request: compile(arg.struct, p) } : {}),
        ...(fn.streamingMode !== "none" && ret?.kind === "struct" ? { response: compile(ret.struct, p) } : {}),
      });
      byProtocol.set(p, c);
    }
    return c;
  };
  const result = (p: ThriftProtocol): ThriftStructCodec => {
    const r = codecs(p).result;
    if (!r) throw new RpcError(Code.Internal, `oneway function ${fn.name} has no result`);
    return r;
  };
  return Object.freeze({
    function: fn,
    oneway: fn.oneway,
    kitexGrpcPath,
    codecs,
    decodeArgs: (p: ThriftProtocol, bytes: Uint8Array, offset: number) => codecs(p).args.read(new ThriftReader(bytes, offset)),
    encodeArgs: (p: ThriftProtocol, request: unknown) => codecs(p).args.encode((request ?? {}) as Record<string, unknown>),
    encodeSuccess: (p: ThriftProtocol, value: unknown) => result(p).encode(successStruct(fn, value)),
    encodeDeclared(p: ThriftProtocol, error: unknown): Uint8Array | undefined {
      const field = declaredField(fn, error);
      return field === undefined ? undefined : result(p).encode({ [field]: thriftExceptionOf(error)!.value });
    },
    decodeResult: (p: ThriftProtocol, bytes: Uint8Array, offset: number) => unwrapResult(fn, result(p).read(new ThriftReader(bytes, offset))),
    emptyResult: () => new Uint8Array([0]),
  });
}

function successStruct(fn: ThriftFunction, value: unknown): Record<string, unknown> {
  return fn.returns === undefined || value === undefined || value === null ? {} : { success: value };
}

/** The `throws` field an error's declared exception travels in, or undefined. @internal */
export function declaredField(fn: ThriftFunction, error: unknown): string | undefined {
  const ex = thriftExceptionOf(error);
  if (!ex) return undefined;
  const byField = fn.throws.find((t) => t.name === (ex.field ?? ex.name));
  if (byField) return byField.name;
  const byType = fn.throws.find((t) => t.type.kind === "struct" && (t.type.struct.name === ex.name || t.type.struct.fullName === ex.name));
  return byType?.name;
}

/** A decoded Result → the success value, or throw the declared exception it carries. @internal */
export function unwrapResult(fn: ThriftFunction, r: Record<string, unknown>): unknown {
  for (const t of fn.throws) {
    const v = r[t.name];
    if (v !== undefined && t.type.kind === "struct") throw thriftException(t.type.struct.name, v as Record<string, unknown>, t.name);
  }
  if (fn.returns === undefined) return undefined;
  if (r["success"] === undefined) {
    throw new RpcError(Code.Internal, `${fn.name} failed: unknown result (the reply has no success value and no declared exception)`);
  }
  return r["success"];
}

/**
 * The descriptor codecs for Thrift over gRPC (binary protocol, no message header):
 * unary → Args in, Result out (the output codec unwraps `success` and throws declared exceptions);
 * streaming → the bare request and response structs. @internal
 */
export function grpcCodecs(fn: ThriftFunction, c: ThriftFunctionCodecs, opts: GenOptions): { input: Codec; output: Codec } {
  if (fn.streamingMode !== "none" && fn.streamingMode !== "unary") {
    if (!c.request || !c.response) throw new RpcError(Code.InvalidArgument, `streaming function ${fn.name} must take and return a struct`);
    return { input: c.request, output: c.response };
  }
  const result = c.result, ret = fn.returns;
  const json = {
    toJson: (v: unknown) => (ret ? thriftToJson(v, ret) : null),
    fromJson: (j: unknown) => (ret ? thriftFromJson(j, ret, opts.i64, `${fn.name} result`, opts.maxDepth) : undefined),
  };
  const output: Codec = result
    ? { encode: (v: unknown) => result.encode(successStruct(fn, v)), decode: (b: Uint8Array) => unwrapResult(fn, result.decode(b)), ...json }
    : { encode: () => new Uint8Array([0]), decode: () => undefined, ...json };
  return { input: c.args, output };
}

/** Compile every struct of a service's functions in one unit per protocol, on first use. @internal */
export function serviceCompiler(fns: readonly ThriftFunction[], opts: GenOptions): (s: ThriftStruct, p: ThriftProtocol) => ThriftStructCodec {
  const units = new Map<ThriftProtocol, Map<ThriftStruct, ThriftStructCodec>>();
  return (s, p) => {
    let unit = units.get(p);
    if (!unit) {
      const roots = [...new Set(fns.flatMap(functionStructs))];
      const compiled = compileStructs(roots, p, opts);
      unit = new Map(roots.map((r, i) => [r, wrapStruct(r, p, compiled[i]!, opts)]));
      units.set(p, unit);
    }
    return unit.get(s) ?? wrapStruct(s, p, compileStructs([s], p, opts)[0]!, opts);
  };
}
