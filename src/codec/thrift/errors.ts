import { Code, RpcError, describeValue } from "../../core/index.js";

/**
 * Codec errors. Every failure to decode is INVALID_ARGUMENT (malformed, truncated, too deep,
 * sizes larger than the input, missing required fields); values that cannot be encoded are
 * INVALID_ARGUMENT too; a message larger than the encoder's limit is RESOURCE_EXHAUSTED.
 * Functions return the error so generated code can `throw` it (V8 then knows the branch ends).
 * @internal
 */
export function truncated(where: string): RpcError {
  return new RpcError(Code.InvalidArgument, `truncated Thrift data: the input ends inside ${where}`);
}

export function tooDeep(where: string, max: number): RpcError {
  return new RpcError(Code.InvalidArgument, `Thrift data nested deeper than ${max} levels at ${where}`);
}

export function badSize(where: string, size: number, remaining: number): RpcError {
  const why = size < 0 ? "a negative size" : `${size} elements/bytes but only ${remaining} bytes remain`;
  return new RpcError(Code.InvalidArgument, `invalid Thrift data at ${where}: ${why}`);
}

export function badWireType(where: string, got: number, expected: string): RpcError {
  return new RpcError(Code.InvalidArgument, `invalid Thrift data at ${where}: wire type ${got}, expected ${expected}`);
}

export function missingRequired(struct: string, field: string): RpcError {
  return new RpcError(Code.InvalidArgument, `required field ${struct}.${field} is missing`);
}

export function unionCount(struct: string, count: number): RpcError {
  return new RpcError(Code.InvalidArgument, `union ${struct} must have exactly one field set, it has ${count}`);
}

export function badValue(where: string, expected: string, got: unknown): RpcError {
  return new RpcError(Code.InvalidArgument, `cannot encode ${where}: expected ${expected}, got ${describeValue(got)}`);
}

export function badI64(where: string, detail: string): RpcError {
  return new RpcError(Code.InvalidArgument, `${where}: ${detail}`);
}

export function trailing(struct: string, bytes: number): RpcError {
  return new RpcError(Code.InvalidArgument, `${bytes} unexpected bytes after the end of ${struct}`);
}

export function tooLarge(bytes: number, max: number): RpcError {
  return new RpcError(Code.ResourceExhausted, `encoded Thrift data would exceed ${max} bytes (needed ${bytes})`);
}

