import { Code, RpcError } from "../../core/index.js";
import type { JsonWriteOptions, MethodDescriptor, ServiceDescriptor } from "../../idl/descriptor.js";
import { createClient, type CallOptions, type ClientOptions } from "../client.js";
import type { ClientTransport } from "../transport.js";
import { jsonMapping, type JsonMapping } from "./mapping.js";
import { createMethodIndex } from "./resolve.js";

/** Options of {@link createGenericClient}. */
export interface GenericClientOptions extends ClientOptions {
  /** How Protobuf responses are written. Default proto3's: JSON names, fields at their default left out. */
  json?: JsonWriteOptions;
}

/** Per-call options of a generic call: the usual call options plus the JSON form of the responses. */
export interface GenericCallOptions extends CallOptions {
  /** Overrides the client's `json` for this call. */
  json?: JsonWriteOptions;
}

type JsonIn = AsyncIterable<unknown> | Iterable<unknown>;

/**
 * Calls any method of the given services by name with JSON in and out; no generated code.
 * JSON values are plain `JSON.parse` output. Method names: see `createMethodIndex`; an unknown
 * name throws RpcError NOT_FOUND at once, while JSON that does not fit the request type is reported
 * like any failed call (a rejected promise, a stream that fails), with INVALID_ARGUMENT.
 */
export interface GenericClient {
  readonly services: readonly ServiceDescriptor[];
  /** The descriptor a name stands for (RpcError NOT_FOUND when none). */
  method(name: string): MethodDescriptor;
  /**
   * Call by name whatever the kind: unary and client-streaming methods give a Promise of JSON,
   * server-streaming and bidi an AsyncIterable of JSON. Client-streaming and bidi methods take an
   * (async) iterable of JSON requests.
   */
  call(name: string, request: unknown, options?: GenericCallOptions): Promise<unknown> | AsyncIterable<unknown>;
  unary(name: string, request: unknown, options?: GenericCallOptions): Promise<unknown>;
  serverStream(name: string, request: unknown, options?: GenericCallOptions): AsyncIterable<unknown>;
  clientStream(name: string, requests: JsonIn, options?: GenericCallOptions): Promise<unknown>;
  bidiStream(name: string, requests: JsonIn, options?: GenericCallOptions): AsyncIterable<unknown>;
}

type Caller = (request: unknown, options?: CallOptions) => Promise<unknown> | AsyncIterable<unknown>;

interface Entry {
  readonly map: JsonMapping;
  readonly call: Caller;
}

/**
 * Create a generic JSON client for services loaded from `.proto` or `.thrift` files at run time.
 * Client middleware, deadlines, metadata and cancellation work as with `createClient`.
 *
 * @example
 * const pkg = loadProtoSync("greeter.proto");
 * const generic = createGenericClient(pkg.services(), createGrpcTransport({ target: "127.0.0.1:50051" }));
 * await generic.call("helloworld.Greeter/SayHello", { name: "ada" }); // { message: "hello ada" }
 * for await (const chunk of generic.serverStream("Generation/Generate", { prompt: "Hi" })) console.log(chunk);
 */
export function createGenericClient(
  services: readonly ServiceDescriptor[],
  transport: ClientTransport,
  options: GenericClientOptions = {},
): GenericClient {
  const index = createMethodIndex(services);
  const clients = new Map<ServiceDescriptor, Record<string, Caller>>();
  const entries = new Map<MethodDescriptor, Entry>();
  const entry = (name: string): Entry => {
    const { method, service } = index.resolve(name);
    let e = entries.get(method);
    if (e === undefined) {
      let client = clients.get(service);
      if (!client) clients.set(service, (client = createClient(service, transport, options) as unknown as Record<string, Caller>));
      e = { map: jsonMapping(method), call: client[method.name]! };
      entries.set(method, e);
    }
    return e;
  };
  const call = (name: string, request: unknown, opts: GenericCallOptions = {}): Promise<unknown> | AsyncIterable<unknown> => {
    const { map, call: invoke } = entry(name);
    const json = opts.json ?? options.json;
    const kind = map.method.kind;
    let req: unknown;
    try {
      req = kind === "client" || kind === "bidi" ? mapRequests(request as JsonIn, map) : map.request(request);
    } catch (e) {
      return kind === "unary" ? Promise.reject(e) : failed(e);
    }
    if (kind === "unary" || kind === "client") {
      return (invoke(req, opts) as Promise<unknown>).then((v) => map.response(v, json), (e) => { throw map.error(e); });
    }
    return mapResponses(invoke(req, opts) as AsyncIterable<unknown>, map, json);
  };
  const expect = (name: string, kinds: readonly string[]) => {
    const m = entry(name).map.method;
    if (!kinds.includes(m.kind)) throw new RpcError(Code.InvalidArgument, `${m.path} is a ${m.kind} method, not ${kinds.join(" or ")}`);
  };
  return {
    services: index.services,
    method: (name) => index.resolve(name).method,
    call,
    unary(name, request, opts) {
      try { expect(name, ["unary"]); } catch (e) { return Promise.reject(e); }
      return call(name, request, opts) as Promise<unknown>;
    },
    serverStream(name, request, opts) {
      expect(name, ["server"]);
      return call(name, request, opts) as AsyncIterable<unknown>;
    },
    clientStream(name, requests, opts) {
      try { expect(name, ["client"]); } catch (e) { return Promise.reject(e); }
      return call(name, requests, opts) as Promise<unknown>;
    },
    bidiStream(name, requests, opts) {
      expect(name, ["bidi"]);
      return call(name, requests, opts) as AsyncIterable<unknown>;
    },
  };
}

/** A stream whose first `next()` rejects with `e`. */
function failed(e: unknown): AsyncIterable<unknown> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(e) }) };
}

async function* mapRequests(requests: JsonIn, map: JsonMapping): AsyncGenerator<unknown> {
  if (requests === null || typeof requests !== "object" || !(Symbol.asyncIterator in requests || Symbol.iterator in requests)) {
    throw new RpcError(Code.InvalidArgument, `${map.method.path} takes a stream: pass an (async) iterable of JSON requests`);
  }
  for await (const json of requests) yield map.request(json);
}

/** Responses -> JSON, as a plain iterator (no generator frame per message). */
function mapResponses(source: AsyncIterable<unknown>, map: JsonMapping, json: JsonWriteOptions | undefined): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      const onValue = (r: IteratorResult<unknown>): IteratorResult<unknown> => (r.done === true ? r : { done: false, value: map.response(r.value, json) });
      const onError = (e: unknown): never => { throw map.error(e); };
      return {
        next: () => it.next().then(onValue, onError),
        return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value })),
      };
    },
  };
}
