/**
 * The service the TTHeader and Thrift-over-gRPC benchmarks call: one unary echo method, the same
 * message in Thrift and in Protobuf.
 */
import { parseThrift } from "../../src/codec/thrift/index.js";
import { parseProto, type UnaryMethod } from "../../src/index.js";

export interface EchoMessage { message: string; seq: bigint | number | string }

export const BENCH_THRIFT = `
struct EchoRequest { 1: string message, 2: i64 seq }
struct EchoResponse { 1: string message, 2: i64 seq }
service BenchEcho { EchoResponse echo(1: EchoRequest req) }
`;

export const BENCH_PROTO = `
syntax = "proto3";
package bench;
message EchoRequest { string message = 1; int64 seq = 2; }
message EchoResponse { string message = 1; int64 seq = 2; }
service BenchEcho { rpc echo(EchoRequest) returns (EchoResponse); }
`;

export type ThriftEcho = { echo: UnaryMethod<{ req: EchoMessage }, EchoMessage> };
export type ProtoEcho = { echo: UnaryMethod<EchoMessage, EchoMessage> };

export const ThriftBenchEcho = parseThrift(BENCH_THRIFT, { fileName: "bench.thrift" }).service<ThriftEcho>("BenchEcho");
export const ProtoBenchEcho = parseProto(BENCH_PROTO).service<ProtoEcho>("bench.BenchEcho");

/** A 128-character message, as a short chat turn. */
export const PAYLOAD = "x".repeat(128);
