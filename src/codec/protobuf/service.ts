import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import { methodKind, methodPath, type Codec, type MethodDescriptor, type MethodMap, type ServiceDescriptor } from "../../idl/descriptor.js";
import { loadProtoRoot, loadProtoRootSync, parseProtoRoot, type LoadProtoOptions } from "../../idl/proto/index.js";
import { protobufCodec } from "./codec.js";

/**
 * A loaded set of `.proto` files: look up services and messages by fully qualified name.
 * Type parameters give typed use without a codegen step.
 *
 * @example
 * const pkg = loadProtoSync("greeter.proto");
 * const Greeter = pkg.service<{ SayHello: UnaryMethod<HelloRequest, HelloReply> }>("helloworld.Greeter");
 */
export interface ProtoPackage {
  readonly root: protobuf.Root;
  service<M extends MethodMap = MethodMap>(name: string): ServiceDescriptor<M>;
  message<T = Record<string, unknown>>(name: string): Codec<T>;
  /** Every service the files define. */
  services(): ServiceDescriptor[];
}

export async function loadProto(files: string | readonly string[], options: LoadProtoOptions = {}): Promise<ProtoPackage> {
  return wrapRoot(await loadProtoRoot(files, options));
}

export function loadProtoSync(files: string | readonly string[], options: LoadProtoOptions = {}): ProtoPackage {
  return wrapRoot(loadProtoRootSync(files, options));
}

/** Parse `.proto` source text (no imports but the well-known types). */
export function parseProto(source: string, options: LoadProtoOptions = {}): ProtoPackage {
  return wrapRoot(parseProtoRoot(source, options));
}

export function wrapRoot(root: protobuf.Root): ProtoPackage {
  const serviceCache = new Map<string, ServiceDescriptor>();
  const codecCache = new Map<protobuf.Type, Codec>();
  const codecOf = (type: protobuf.Type): Codec => {
    let c = codecCache.get(type);
    if (!c) codecCache.set(type, (c = protobufCodec(type)));
    return c;
  };
  const describe = (svc: protobuf.Service): ServiceDescriptor => {
    const name = svc.fullName.replace(/^\./, "");
    let d = serviceCache.get(name);
    if (d) return d;
    const methods: Record<string, MethodDescriptor> = {};
    for (const m of svc.methodsArray) {
      m.resolve();
      const level = m.options?.["idempotency_level"];
      methods[m.name] = Object.freeze({
        name: m.name,
        serviceName: name,
        path: methodPath(name, m.name),
        kind: methodKind(!!m.requestStream, !!m.responseStream),
        input: codecOf(m.resolvedRequestType!),
        output: codecOf(m.resolvedResponseType!),
        idempotent: level === "IDEMPOTENT" || level === "NO_SIDE_EFFECTS",
        options: Object.freeze({ ...(m.options ?? {}) }),
      });
    }
    d = Object.freeze({ name, methods: Object.freeze(methods), idl: "proto" as const, meta: Object.freeze({ protoRoot: root, protoService: svc }) });
    serviceCache.set(name, d);
    return d;
  };
  const lookup = <T extends protobuf.ReflectionObject>(name: string, kind: new (...a: any[]) => T, what: string): T => {
    const found = root.lookup(name);
    if (!(found instanceof kind)) throw new RpcError(Code.NotFound, `no ${what} named "${name}" in the loaded .proto files`);
    return found;
  };
  return {
    root,
    service: <M extends MethodMap>(name: string) => describe(lookup(name, protobuf.Service, "service")) as unknown as ServiceDescriptor<M>,
    message: <T>(name: string) => codecOf(lookup(name, protobuf.Type, "message")) as Codec<T>,
    services: () => collectServices(root).map(describe),
  };
}

function collectServices(ns: protobuf.NamespaceBase): protobuf.Service[] {
  const out: protobuf.Service[] = [];
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Service) out.push(o);
    else if (o instanceof protobuf.Namespace) out.push(...collectServices(o));
  }
  return out;
}
