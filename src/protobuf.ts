/**
 * The `weir/protobuf` entry: `.proto` loading into descriptors, the Protobuf codec of a message type,
 * and the proto3 JSON mapping. See docs/generic-calls.md.
 */
export {
  loadProto, loadProtoSync, parseProto, wrapRoot, protobufCodec, messageToJson, messageFromJson, jsonName,
  type LoadProtoOptions, type ProtoPackage,
} from "./codec/protobuf/index.js";
