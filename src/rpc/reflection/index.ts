export { ReflectionService, reflectionDescriptor, type ReflectionMethods } from "./reflection.js";
export { indexRoot, type ProtoFile, type ProtoFileIndex } from "./file-descriptors.js";
