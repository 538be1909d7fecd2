/** Payload codecs. Thrift lives in `./thrift` (the `weir/thrift` entry); Protobuf codecs come from `idl/proto`. */
export * from "./thrift/index.js";
