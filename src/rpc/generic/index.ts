export { createGenericClient, type GenericClient, type GenericClientOptions, type GenericCallOptions } from "./client.js";
export { createMethodIndex, type MethodIndex } from "./resolve.js";
