/**
 * Descriptors: what a service offers, independent of IDL and wire.
 * `.proto` and `.thrift` files load into these at run time; transports and codecs only see these.
 */
export type MethodKind = "unary" | "client" | "server" | "bidi";

/** How a codec writes JSON (generic calls, the gateway). Protobuf honours both; Thrift has one form. */
export interface JsonWriteOptions {
  /** Write fields that hold their default value (0, "", [], false) instead of leaving them out. Default false. */
  emitDefaults?: boolean;
  /** Name fields as the IDL spells them (`max_tokens`) instead of the JSON name (`maxTokens`). Default false. */
  protoNames?: boolean;
}

/** Bytes to values and back, for one message type. */
/**
 * Where `Codec.encodeInto` writes: `reserve(size)` makes room for exactly `size` bytes (or throws,
 * e.g. over a size limit) and points `buffer` and `offset` at it.
 */
export interface EncodeTarget {
  reserve(size: number): void;
  /** A Node Buffer (codecs may use its methods). */
  buffer: Buffer;
  offset: number;
}

/** Encodes and decodes the messages of one type: bytes on the wire, and the JSON mapping of generic calls and the gateway. */
export interface Codec<T = unknown> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /**
   * Optional fast path for transports: encode straight into their output buffer, without an
   * intermediate byte array. Calls `target.reserve(size)` once with the exact encoded size, then
   * writes the bytes at `target.buffer[target.offset…]`. Same errors as `encode`.
   */
  encodeInto?(value: T, target: EncodeTarget): void;
  /** The JSON mapping used by generic calls and the gateway. */
  toJson?(value: T, options?: JsonWriteOptions): unknown;
  fromJson?(json: unknown): T;
}

/** One method of a service: name, path, kind (`unary`, `client`, `server`, `bidi`) and the codecs of its request and response; typed by `I`, `O` and `K`. */
export interface MethodDescriptor<I = any, O = any, K extends MethodKind = MethodKind> {
  /** The method name as the IDL spells it (`SayHello`). */
  readonly name: string;
  /** Fully qualified service name (`helloworld.Greeter`). */
  readonly serviceName: string;
  /** The gRPC path, `/helloworld.Greeter/SayHello`. */
  readonly path: string;
  readonly kind: K;
  readonly input: Codec<I>;
  readonly output: Codec<O>;
  /** Safe to retry: marked idempotent in the IDL (`idempotency_level`) or by configuration. */
  readonly idempotent: boolean;
  /** Options and annotations from the IDL, as plain data. */
  readonly options: Readonly<Record<string, unknown>>;
}

export type UnaryMethod<I, O> = MethodDescriptor<I, O, "unary">;
/** A method descriptor of a client-streaming method: a stream of requests, one response. */
export type ClientStreamMethod<I, O> = MethodDescriptor<I, O, "client">;
export type ServerStreamMethod<I, O> = MethodDescriptor<I, O, "server">;
/** A method descriptor of a bidirectional-streaming method: requests and responses are streams. */
export type BidiStreamMethod<I, O> = MethodDescriptor<I, O, "bidi">;

/** The methods of a service by name, as a `ServiceDescriptor` holds them. */
export type MethodMap = { readonly [name: string]: MethodDescriptor };

/** A service loaded from a `.proto` or `.thrift` file (or written by hand): its name and typed methods; serve it with `server.service(descriptor, impl)`, call it with `createClient(descriptor, transport)`. */
export interface ServiceDescriptor<M extends MethodMap = MethodMap> {
  /** Fully qualified name (`helloworld.Greeter`). */
  readonly name: string;
  readonly methods: M;
  /** The IDL this service came from: "proto" or "thrift". */
  readonly idl: "proto" | "thrift";
  /** Extra data the IDL loader attaches (e.g. file descriptors for reflection). */
  readonly meta: Readonly<Record<string, unknown>>;
}

export function methodPath(serviceName: string, methodName: string): string {
  return `/${serviceName}/${methodName}`;
}

export function methodKind(clientStreaming: boolean, serverStreaming: boolean): MethodKind {
  return clientStreaming ? (serverStreaming ? "bidi" : "client") : serverStreaming ? "server" : "unary";
}
