import { Code, RpcError } from "../../core/index.js";
import { methodPath, type MethodDescriptor, type MethodKind, type MethodMap, type ServiceDescriptor } from "../../idl/descriptor.js";
import {
  loadThriftIdl, parseThriftIdl, type StreamingMode, type ThriftIdl, type ThriftIdlOptions, type ThriftService,
} from "../../idl/thrift/index.js";
import { createThriftMethod, grpcCodecs, serviceCompiler, type ThriftMethod } from "./method-codecs.js";
import { createStructCodec, resolveCodecOptions, type ThriftCodecOptions, type ThriftProtocol, type ThriftStructCodec } from "./struct-codec.js";

export type LoadThriftOptions = ThriftIdlOptions & ThriftCodecOptions;

/**
 * A loaded Thrift IDL with its services as descriptors, ready for a Router or a client.
 *
 * @example
 * const pkg = loadThrift("echo.thrift");
 * const Echo = pkg.service<{ ping: UnaryMethod<{ msg: string }, string> }>("Echo");
 * router.service(Echo, { ping: ({ msg }) => msg });
 */
export interface ThriftPackage {
  readonly idl: ThriftIdl;
  /** A service by name (`Echo`, or `<file>.Echo` for one in an included file). */
  service<M extends MethodMap = MethodMap>(name: string): ServiceDescriptor<M>;
  /** Every service of the main file. */
  services(): ServiceDescriptor[];
  /** A codec for a struct, union or exception by name. Default protocol binary. */
  struct<T = Record<string, unknown>>(name: string, protocol?: ThriftProtocol): ThriftStructCodec<T>;
}

/**
 * What `ServiceDescriptor.meta` holds for a Thrift service.
 * `kitexPackage` is the package Kitex puts before the service name in gRPC paths (the last
 * segment of `namespace go`, else of `namespace *`, else the file name, lower-cased): a Kitex
 * client calls `/<kitexPackage>.<Service>/<method>`, and a Kitex server routes by the part
 * after the last `.`; descriptor paths are `/<Service>/<method>`, which Kitex servers accept.
 */
export type ThriftServiceMeta = {
  readonly thriftService: ThriftService;
  readonly kitexPackage: string;
  /** The ThriftMethod of each method, by name (also in each method's `options.thrift`). */
  readonly thriftMethods: Readonly<Record<string, ThriftMethod>>;
};

/**
 * Load a `.thrift` file (and its includes) and compile codecs for its services.
 * Bad IDL: RpcError INVALID_ARGUMENT `file:line:col: …`.
 */
export function loadThrift(file: string, options: LoadThriftOptions = {}): ThriftPackage {
  return wrapIdl(loadThriftIdl(file, options), options);
}

/** Like `loadThrift`, from IDL text. */
export function parseThrift(source: string, options: LoadThriftOptions & { fileName?: string } = {}): ThriftPackage {
  return wrapIdl(parseThriftIdl(source, options), options);
}

/** Descriptors and codecs for an already resolved IDL. */
export function wrapIdl(idl: ThriftIdl, options: ThriftCodecOptions = {}): ThriftPackage {
  const opts = resolveCodecOptions(options);
  const cache = new Map<ThriftService, ServiceDescriptor>();
  const describe = (svc: ThriftService): ServiceDescriptor => {
    let d = cache.get(svc);
    if (!d) cache.set(svc, (d = thriftServiceDescriptor(svc, options)));
    return d;
  };
  return Object.freeze({
    idl,
    service: <M extends MethodMap>(name: string) => describe(idl.service(name)) as unknown as ServiceDescriptor<M>,
    services: () => idl.root.services.map(describe),
    struct: <T>(name: string, protocol: ThriftProtocol = "binary") => createStructCodec<T>(idl.struct(name), protocol, opts),
  });
}

const KINDS: Readonly<Record<StreamingMode, MethodKind>> = { none: "unary", unary: "unary", client: "client", server: "server", bidirectional: "bidi" };

/**
 * The descriptor of one Thrift service, inherited functions included. `name` is the IDL service
 * name and paths are `/<Service>/<method>`. Method `options` hold the function's annotations plus
 * `thrift`: the ThriftMethod (Args/Result codecs for message-level transports). Input and output
 * codecs are the Thrift-over-gRPC payloads (binary): Args/Result for unary functions (the
 * output codec unwraps `success` and throws declared exceptions), bare structs for streams.
 */
export function thriftServiceDescriptor(svc: ThriftService, options: ThriftCodecOptions = {}): ServiceDescriptor {
  const opts = resolveCodecOptions(options);
  const compile = serviceCompiler(svc.allFunctions, opts);
  const kitexPackage = kitexPackageOf(svc);
  const methods: Record<string, MethodDescriptor> = {};
  const thriftMethods: Record<string, ThriftMethod> = {};
  for (const fn of svc.allFunctions) {
    const ret = fn.returns;
    const arg = fn.params[0]?.type;
    if (fn.streamingMode !== "none" && fn.streamingMode !== "unary" && (arg?.kind !== "struct" || ret?.kind !== "struct")) {
      throw new RpcError(Code.InvalidArgument, `${fn.pos.file}:${fn.pos.line}:${fn.pos.column}: streaming function ${fn.name} must take one struct and return a struct`);
    }
    const tm = createThriftMethod(fn, `/${kitexPackage}.${svc.name}/${fn.name}`, compile);
    thriftMethods[fn.name] = tm;
    const { input, output } = grpcCodecs(fn, tm.codecs("binary"), opts);
    const idem = fn.annotations["idempotent"];
    methods[fn.name] = Object.freeze({
      name: fn.name,
      serviceName: svc.name,
      path: methodPath(svc.name, fn.name),
      kind: KINDS[fn.streamingMode],
      input,
      output,
      idempotent: idem === "true" || idem === "1",
      options: Object.freeze({ ...fn.annotations, thrift: tm }),
    });
  }
  const meta: ThriftServiceMeta = Object.freeze({ thriftService: svc, kitexPackage, thriftMethods: Object.freeze(thriftMethods) });
  return Object.freeze({ name: svc.name, methods: Object.freeze(methods), idl: "thrift" as const, meta });
}

/** Kitex's package name for gRPC paths: see ThriftServiceMeta. @internal */
export function kitexPackageOf(svc: ThriftService): string {
  const ns = svc.document.namespaces["go"] ?? svc.document.namespaces["*"] ?? svc.document.name;
  const last = ns.split(".").pop() ?? ns;
  return last.toLowerCase();
}

/** The ThriftMethod behind a descriptor loaded from Thrift IDL, or undefined. */
export function thriftMethodOf(method: MethodDescriptor): ThriftMethod | undefined {
  const t = method.options["thrift"] as ThriftMethod | undefined;
  return t && typeof t.decodeArgs === "function" ? t : undefined;
}
