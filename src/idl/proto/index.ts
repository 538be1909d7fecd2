/** `.proto` files loaded into protobufjs Roots; `codec/protobuf` turns them into descriptors and codecs. */
export { loadProtoRoot, loadProtoRootSync, parseProtoRoot, type LoadProtoOptions } from "./load.js";
