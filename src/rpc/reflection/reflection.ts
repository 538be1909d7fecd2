import protobuf from "protobufjs";
import { Code } from "../../core/index.js";
import { loadProtoSync } from "../../codec/protobuf/index.js";
import type { BidiStreamMethod, ServiceDescriptor } from "../../idl/descriptor.js";
import type { ServiceImpl } from "../handler.js";
import { bundledProto } from "../health/proto-file.js";
import { indexRoot, type ProtoFileIndex } from "./file-descriptors.js";

interface ReflectionRequest {
  host?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type?: string; extension_number?: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

type ReflectionResponse = Record<string, unknown>;

export type ReflectionMethods = { ServerReflectionInfo: BidiStreamMethod<ReflectionRequest, ReflectionResponse> };

const descriptors = new Map<string, ServiceDescriptor<ReflectionMethods>>();

/** The `grpc.reflection.<version>.ServerReflection` descriptor, from Weir's bundled reflection.proto. */
export function reflectionDescriptor(version: "v1" | "v1alpha"): ServiceDescriptor<ReflectionMethods> {
  let d = descriptors.get(version);
  if (d === undefined) {
    const pkg = loadProtoSync(bundledProto(`grpc/reflection/${version}/reflection.proto`));
    descriptors.set(version, (d = pkg.service<ReflectionMethods>(`grpc.reflection.${version}.ServerReflection`)));
  }
  return d;
}

/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`): lists the services of a server and
 * serves the `.proto` files (as FileDescriptorProtos, with their dependencies) that declare them,
 * so that tools like grpcurl can call a server without its `.proto` files. Services loaded from
 * `.proto` files are described; other services are listed by name only.
 *
 * @example
 * const reflection = new ReflectionService(() => router.services());
 * router.service(reflection.v1, reflection.impl).service(reflection.v1alpha, reflection.impl);
 */
export class ReflectionService {
  readonly v1 = reflectionDescriptor("v1");
  readonly v1alpha = reflectionDescriptor("v1alpha");
  private cached: { count: number; index: ProtoFileIndex } | undefined;

  /** `services` lists what the server offers, read at each request. */
  constructor(private readonly services: () => readonly ServiceDescriptor[]) {}

  readonly impl: ServiceImpl<ReflectionMethods> = {
    ServerReflectionInfo: (requests) => this.session(requests),
  };

  private async *session(requests: AsyncIterable<ReflectionRequest>): AsyncGenerator<ReflectionResponse> {
    for await (const req of requests) yield this.answer(req);
  }

  /** One response for one request, as the reflection protocol pairs them. */
  answer(req: ReflectionRequest): ReflectionResponse {
    const base = { valid_host: req.host ?? "", original_request: req };
    const has = (k: keyof ReflectionRequest) => Object.prototype.hasOwnProperty.call(req, k);
    if (has("list_services")) {
      return { ...base, list_services_response: { service: this.services().map((s) => ({ name: s.name })) } };
    }
    if (has("file_containing_symbol")) {
      const symbol = (req.file_containing_symbol ?? "").replace(/^\./, "");
      const index = this.index();
      const file = index.symbols.get(symbol);
      if (file === undefined) return { ...base, error_response: notFound(`symbol "${symbol}" not found`) };
      return { ...base, file_descriptor_response: { file_descriptor_proto: withDependencies(file, index) } };
    }
    if (has("file_by_filename")) {
      const index = this.index();
      const name = req.file_by_filename ?? "";
      if (!index.files.has(name)) return { ...base, error_response: notFound(`file "${name}" not found`) };
      return { ...base, file_descriptor_response: { file_descriptor_proto: withDependencies(name, index) } };
    }
    if (has("all_extension_numbers_of_type")) {
      const type = (req.all_extension_numbers_of_type ?? "").replace(/^\./, "");
      if (!this.index().symbols.has(type)) return { ...base, error_response: notFound(`type "${type}" not found`) };
      return { ...base, all_extension_numbers_response: { base_type_name: type, extension_number: [] } };
    }
    if (has("file_containing_extension")) {
      const e = req.file_containing_extension ?? {};
      return { ...base, error_response: notFound(`extension ${e.extension_number ?? 0} of "${e.containing_type ?? ""}" not found`) };
    }
    return { ...base, error_response: { error_code: Code.InvalidArgument, error_message: "the request sets no known message_request field" } };
  }

  /** Files of every registered .proto service, rebuilt when services are added. */
  private index(): ProtoFileIndex {
    const list = this.services();
    if (this.cached !== undefined && this.cached.count === list.length) return this.cached.index;
    const index: ProtoFileIndex = { files: new Map(), symbols: new Map() };
    const roots = new Set<protobuf.Root>();
    for (const s of list) {
      const root = s.meta["protoRoot"];
      if (root instanceof protobuf.Root) roots.add(root);
    }
    for (const root of roots) indexRoot(root, index);
    this.cached = { count: list.length, index };
    return index;
  }
}

function notFound(message: string): { error_code: number; error_message: string } {
  return { error_code: Code.NotFound, error_message: message };
}

/** The file first, then every file it depends on, transitively, each once. */
function withDependencies(name: string, index: ProtoFileIndex): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const todo = [name];
  while (todo.length > 0) {
    const n = todo.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    const file = index.files.get(n);
    if (file === undefined) continue;
    out.push(file.bytes);
    todo.push(...file.dependencies);
  }
  return out;
}
