/**
 * Protobuf for Weir: `.proto` files loaded into service descriptors whose codecs are protobufjs's
 * compiled ones (with a direct encoder for flat messages) and whose JSON mapping is proto3's.
 * This is the `weir/protobuf` entry.
 */
export { loadProto, loadProtoSync, parseProto, wrapRoot, type ProtoPackage } from "./service.js";
export type { LoadProtoOptions } from "../../idl/proto/index.js";
export { protobufCodec } from "./codec.js";
export { messageToJson, messageFromJson, jsonName } from "./json.js";
