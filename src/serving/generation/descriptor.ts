import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadThrift } from "../../codec/thrift/index.js";
import { loadProtoSync } from "../../codec/protobuf/index.js";
import type { ServiceDescriptor } from "../../rpc/index.js";
import type { GenerationMethods } from "./types.js";

/** Fully qualified name of the service in generation.proto. */
export const GENERATION_SERVICE = "weir.generation.v1.Generation";

/**
 * Path of an IDL file of this folder. The compiled code runs from dist/, the IDL stays in src/
 * (and is listed in the package's files), so both places are tried.
 */
export function generationIdlPath(ext: "proto" | "thrift"): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const name = `generation.${ext}`;
  const candidates = [path.join(here, name), path.resolve(here, "../../../../src/serving/generation", name)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

let cached: ServiceDescriptor<GenerationMethods> | undefined;

/**
 * The Generation service descriptor from generation.proto (loaded once).
 *
 * @example
 * router.service(generationDescriptor(), createGenerationService({ engines: [engine] }));
 */
export function generationDescriptor(): ServiceDescriptor<GenerationMethods> {
  cached ??= loadProtoSync(generationIdlPath("proto")).service<GenerationMethods>(GENERATION_SERVICE);
  return cached;
}

let cachedThrift: ServiceDescriptor<GenerationMethods> | undefined;

/**
 * The same service from generation.thrift (service name `Generation`, Thrift binary payloads;
 * i64 fields decode as bigint). Register it with the same handler object as the .proto one.
 *
 * @example
 * const impl = createGenerationService({ engines: [engine] });
 * router.service(generationDescriptor(), impl).service(generationThriftDescriptor(), impl);
 */
export function generationThriftDescriptor(): ServiceDescriptor<GenerationMethods> {
  cachedThrift ??= loadThrift(generationIdlPath("thrift")).service<GenerationMethods>("Generation");
  return cachedThrift;
}
