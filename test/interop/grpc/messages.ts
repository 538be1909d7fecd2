/**
 * TypeScript shapes of the grpc.testing messages as Weir's protobuf codecs read and write them
 * (field names as in the .proto files), and the method maps of the two services.
 */
import path from "node:path";
import { loadProtoSync, type BidiStreamMethod, type ClientStreamMethod, type ServerStreamMethod, type ServiceDescriptor, type UnaryMethod } from "../../../src/index.js";
import { TEST_PROTO, protoRoot } from "./paths.js";

/** Decoded messages leave unset message fields null; requests we build leave them out. */
type Opt<T> = T | null | undefined;

export interface BoolValue { value?: boolean }
export interface Payload { type?: number; body?: Uint8Array }
export interface EchoStatus { code?: number; message?: string }
export type Empty = Record<string, never>;

export interface SimpleRequest {
  response_type?: number;
  response_size?: number;
  payload?: Opt<Payload>;
  response_compressed?: Opt<BoolValue>;
  response_status?: Opt<EchoStatus>;
  expect_compressed?: Opt<BoolValue>;
}
export interface SimpleResponse { payload?: Opt<Payload> }
export interface StreamingInputCallRequest { payload?: Opt<Payload>; expect_compressed?: Opt<BoolValue> }
export interface StreamingInputCallResponse { aggregated_payload_size?: number }
export interface ResponseParameters { size?: number; interval_us?: number; compressed?: Opt<BoolValue> }
export interface StreamingOutputCallRequest {
  response_type?: number;
  response_parameters?: ResponseParameters[];
  payload?: Opt<Payload>;
  response_status?: Opt<EchoStatus>;
}
export interface StreamingOutputCallResponse { payload?: Opt<Payload> }

export type TestMethods = {
  EmptyCall: UnaryMethod<Empty, Empty>;
  UnaryCall: UnaryMethod<SimpleRequest, SimpleResponse>;
  CacheableUnaryCall: UnaryMethod<SimpleRequest, SimpleResponse>;
  StreamingOutputCall: ServerStreamMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  StreamingInputCall: ClientStreamMethod<StreamingInputCallRequest, StreamingInputCallResponse>;
  FullDuplexCall: BidiStreamMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  HalfDuplexCall: BidiStreamMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  UnimplementedCall: UnaryMethod<Empty, Empty>;
};
export type UnimplementedMethods = { UnimplementedCall: UnaryMethod<Empty, Empty> };

/** Load grpc.testing.TestService and grpc.testing.UnimplementedService from the suite's .proto files. */
export function loadTestServices(): { TestService: ServiceDescriptor<TestMethods>; UnimplementedService: ServiceDescriptor<UnimplementedMethods> } {
  const root = protoRoot();
  const pkg = loadProtoSync(path.join(root, TEST_PROTO), { includeDirs: [root] });
  return {
    TestService: pkg.service<TestMethods>("grpc.testing.TestService"),
    UnimplementedService: pkg.service<UnimplementedMethods>("grpc.testing.UnimplementedService"),
  };
}
