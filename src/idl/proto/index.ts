export { loadProto, loadProtoSync, parseProto, wrapRoot, type LoadProtoOptions, type ProtoPackage } from "./load.js";
export { protobufCodec } from "./codec.js";
export { messageToJson, messageFromJson, jsonName } from "./json.js";
