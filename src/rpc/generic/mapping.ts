import { Code, RpcError } from "../../core/index.js";
import { thriftExceptionOf, thriftMethodOf, thriftToJson } from "../../codec/thrift/index.js";
import type { JsonWriteOptions, MethodDescriptor } from "../../idl/descriptor.js";

/**
 * How one method's messages map to and from JSON in generic calls.
 *
 * - Protobuf: the proto3 JSON mapping of the message types.
 * - Thrift, as Kitex's generic JSON calls: a unary function's request JSON is its single struct
 *   parameter (`{"msg": "hi"}` for `Reply echo(1: Request req)`), or an object of parameters by
 *   name when it has several (or one that is not a struct); its response JSON is the success
 *   value (`null` for void). Streaming functions take and return their bare structs.
 * @internal
 */
export interface JsonMapping {
  readonly method: MethodDescriptor;
  request(json: unknown): unknown;
  response(value: unknown, options: JsonWriteOptions | undefined): unknown;
  /** An error with a declared Thrift exception gets the exception's value as JSON; others pass. */
  error(e: unknown): RpcError;
}

export function jsonMapping(method: MethodDescriptor): JsonMapping {
  const { input, output } = method;
  if (!input.fromJson || !output.toJson) {
    throw new RpcError(Code.Unimplemented, `the codecs of ${method.path} have no JSON mapping`);
  }
  const fromJson = input.fromJson.bind(input);
  const toJson = output.toJson.bind(output);
  const thrift = thriftMethodOf(method);
  const fn = thrift?.function;
  const single = method.kind === "unary" && fn !== undefined && fn.params.length === 1 && fn.params[0]!.type.kind === "struct"
    ? fn.params[0]!.name : undefined;
  return {
    method,
    request: single === undefined
      ? (json) => fromJson(json ?? {})
      : (json) => fromJson({ [single]: json ?? {} }),
    response: (value, options) => toJson(value, options),
    error(e: unknown): RpcError {
      const err = RpcError.from(e);
      const ex = thriftExceptionOf(err);
      const declared = ex && fn?.throws.find((t) => t.name === ex.field || (t.type.kind === "struct" && t.type.struct.name === ex.name));
      if (!ex || !declared) return err;
      const value = thriftToJson(ex.value, declared.type) as Record<string, unknown>;
      return new RpcError(err.code, err.rawMessage, { cause: err, metadata: err.metadata, details: [{ ...ex, field: declared.name, value }] });
    },
  };
}
