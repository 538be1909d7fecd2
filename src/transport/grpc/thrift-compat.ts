import { thriftMethodOf } from "../../codec/thrift/index.js";
import type { MethodDescriptor, Route, Router } from "../../rpc/index.js";

/**
 * Thrift over gRPC, as Kitex speaks it: the three places where the gRPC transport treats a
 * method loaded from a `.thrift` file differently from a Protobuf one.
 */

/** Content type of a gRPC request: `application/grpc+thrift` for Thrift methods, else `application/grpc`. */
export function grpcContentType(method: MethodDescriptor): string {
  return thriftMethodOf(method) ? "application/grpc+thrift" : "application/grpc";
}

/** The protocol name on a gRPC call's context: `grpc+thrift` for Thrift methods, else `grpc`. */
export function grpcProtocolName(method: MethodDescriptor): string {
  return thriftMethodOf(method) ? "grpc+thrift" : "grpc";
}

/**
 * The route of a Kitex-style path `/<package>.<Service>/<method>` when the router has no route for
 * it as it is: Kitex routes gRPC calls by the service name after the last `.`, so a Kitex client
 * calling `/echo.Echo/ping` reaches the Thrift service `Echo`. Only Thrift services match this way.
 */
export function kitexGrpcRoute(router: Router, path: string): Route | undefined {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".", slash);
  if (slash <= 0 || dot <= 0) return undefined;
  const route = router.lookup(`/${path.slice(dot + 1)}`);
  return route && route.service.idl === "thrift" ? route : undefined;
}

/**
 * The response of a unary Thrift method whose handler threw one of its declared exceptions: the
 * Result struct carrying it (binary), sent as an ordinary response with status OK, as Kitex does.
 * Undefined for any other error or method.
 */
export function thriftDeclaredResult(method: MethodDescriptor, error: unknown): Uint8Array | undefined {
  if (method.kind !== "unary") return undefined;
  return thriftMethodOf(method)?.encodeDeclared("binary", error);
}
