import type { MethodDescriptor } from "../../rpc/index.js";
import type { ThriftProtocol } from "./message.js";

/**
 * What the Thrift message transports need of a method: the Args and Result structs in either
 * protocol, and how handler values and errors map onto them.
 */
export interface ThriftMethodWire {
  readonly oneway: boolean;
  /** Args struct bytes (from `offset`) → the handler's request. */
  decodeArgs(protocol: ThriftProtocol, bytes: Uint8Array, offset: number): unknown;
  /** The client's request → Args struct bytes. */
  encodeArgs(protocol: ThriftProtocol, request: unknown): Uint8Array;
  /** A handler's return value → Result struct bytes (field 0, or empty for void). */
  encodeSuccess(protocol: ThriftProtocol, value: unknown): Uint8Array;
  /** A handler's error → Result struct bytes when it is a declared exception, else undefined. */
  encodeDeclared(protocol: ThriftProtocol, error: unknown): Uint8Array | undefined;
  /** Result struct bytes → the success value; a declared exception is thrown. */
  decodeResult(protocol: ThriftProtocol, bytes: Uint8Array, offset: number): unknown;
  /** An empty Result struct (STOP only), as Kitex sends with a business error. */
  emptyResult(protocol: ThriftProtocol): Uint8Array;
}

const cache = new WeakMap<MethodDescriptor, ThriftMethodWire | null>();

/** The Thrift wire of a method loaded from a `.thrift` file, or undefined for other methods. */
export function thriftWireOf(method: MethodDescriptor): ThriftMethodWire | undefined {
  let wire = cache.get(method);
  if (wire === undefined) {
    wire = adapt(method) ?? null;
    cache.set(method, wire);
  }
  return wire ?? undefined;
}

function adapt(method: MethodDescriptor): ThriftMethodWire | undefined {
  const thrift = method.options["thrift"] as ThriftMethodWire | undefined;
  return thrift && typeof thrift.decodeArgs === "function" ? thrift : undefined;
}
