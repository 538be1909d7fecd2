/** Payload codecs: Thrift in `./thrift` (the `weir/thrift` entry), Protobuf in `./protobuf` (the `weir/protobuf` entry). */
export * from "./thrift/index.js";
