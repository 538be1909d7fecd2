import { Code, Metadata, RpcError, clip } from "../../../core/index.js";
import { resolveTensorLimits, checkPositiveInteger, type TensorLimits } from "../limits.js";
import { HEADER_LENGTH, decodeRestResponse, encodeRestRequest } from "../rest-codec.js";
import type { InferResponse, ModelMetadata, RepositoryIndexEntry, ServerMetadata } from "../types.js";
import { exchangeError, fetchExchange, nodeExchange, type Reply } from "./exchange.js";
import { inferRequest, type CallOptions, type OipClient } from "./types.js";

/** Options of {@link createOipRestClient}. */
export interface OipRestClientOptions {
  /** The server, e.g. `http://127.0.0.1:8000` (paths `/v2/...` are added). */
  baseUrl: string;
  /** Send inputs and ask for outputs as binary data (Triton's binary tensor extension). Default false (JSON). */
  binary?: boolean;
  /** Timeout of calls that set none, in ms: the whole exchange, body included. Default 60 000. */
  timeoutMs?: number;
  /** Largest response body read. Past it the call fails with RESOURCE_EXHAUSTED. Default 256 MiB. */
  maxResponseBytes?: number;
  /** Bounds on decoding responses (tensor bytes, BYTES elements…). Default: as the server's. */
  limits?: TensorLimits;
  /** Headers sent with every request (e.g. `authorization`). */
  headers?: Readonly<Record<string, string>>;
  /** Keep-alive connections to the server at most; more requests wait for one, within their timeout. Default 64. */
  maxConnections?: number;
  /**
   * Send requests with this fetch instead of node:http(s) (a proxy-aware fetch, a test double).
   * Default: node:http(s), which measured 1.8 times fetch's rate on large binary responses.
   */
  fetch?: typeof fetch;
}

const MAX_JSON_DEPTH = 64;

/**
 * An OIP client over REST (`/v2/...`), on node:http(s) with keep-alive connections (or a fetch of
 * your own), with a timeout per call: JSON tensors, or with `binary` the binary tensor
 * extension, whose outputs come back as views of the response body where aligned (the server
 * pads its JSON header to a multiple of 8 bytes). Errors are RpcErrors with the code of the HTTP
 * status (400 INVALID_ARGUMENT, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE…) and the
 * server's message; `Retry-After` becomes the `retry-after` metadata.
 *
 * @example
 * const client = createOipRestClient({ baseUrl: "http://127.0.0.1:8000", binary: true });
 * const res = await client.infer("add_sub", inputs, { outputs: ["OUTPUT0"], timeoutMs: 2000 });
 */
export function createOipRestClient(options: OipRestClientOptions): OipClient {
  const base = new URL(options.baseUrl);
  const limits = resolveTensorLimits(options.limits, "OIP REST client option limits.");
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxResponseBytes = options.maxResponseBytes ?? 256 << 20;
  const maxConnections = options.maxConnections ?? 64;
  checkPositiveInteger("OIP REST client option timeoutMs", timeoutMs);
  checkPositiveInteger("OIP REST client option maxResponseBytes", maxResponseBytes);
  checkPositiveInteger("OIP REST client option maxConnections", maxConnections);
  const http = options.fetch === undefined ? nodeExchange(base, maxConnections, maxResponseBytes) : fetchExchange(options.fetch, base, maxResponseBytes);
  const exchange = async (method: string, path: string, body: readonly Uint8Array[], o: CallOptions | undefined, headers: Record<string, string> = {}): Promise<Reply> => {
    const timeout = AbortSignal.timeout(o?.timeoutMs ?? timeoutMs);
    const signal = o?.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    try {
      return await http.send(method, path, body, { ...options.headers, ...headers }, signal);
    } catch (e) {
      throw exchangeError(e, o?.signal, timeout);
    }
  };
  const json = async (method: string, path: string, o: CallOptions | undefined, body?: unknown, okStatuses: readonly number[] = [200]): Promise<{ status: number; value: unknown }> => {
    const r = await exchange(method, path, body === undefined ? [] : [Buffer.from(JSON.stringify(body))], o, body === undefined ? {} : { "content-type": "application/json" });
    if (!okStatuses.includes(r.status)) throw statusError(r);
    return { status: r.status, value: r.body.length === 0 ? undefined : parseBody(r.body) };
  };
  const modelPath = (model: string, version: string | undefined) => `/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ""}`;
  return {
    protocol: "rest",
    async infer(model, inputs, o = {}): Promise<InferResponse> {
      const request = inferRequest(model, inputs, o, false);
      const binary = o.binary ?? options.binary ?? false;
      const body = encodeRestRequest(request, binary);
      const headers: Record<string, string> = binary ? { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(body.json.length) } : { "content-type": "application/json" };
      const r = await exchange("POST", `${modelPath(model, o.version)}/infer`, [body.json, ...body.binary], o, headers);
      if (r.status !== 200) throw statusError(r);
      const h = r.header(HEADER_LENGTH);
      return decodeRestResponse(r.body, h === undefined ? undefined : Number(h), limits, MAX_JSON_DEPTH);
    },
    serverLive: async (o) => (await json("GET", "/v2/health/live", o, undefined, [200, 503])).status === 200,
    serverReady: async (o) => (await json("GET", "/v2/health/ready", o, undefined, [200, 503])).status === 200,
    async modelReady(model, o) {
      const r = await exchange("GET", `${modelPath(model, o?.version)}/ready`, [], o);
      if (r.status === 200) return true;
      if (r.status === 503 || r.status === 404) return false;
      throw statusError(r);
    },
    serverMetadata: async (o) => (await json("GET", "/v2", o)).value as ServerMetadata,
    modelMetadata: async (model, o) => (await json("GET", modelPath(model, o?.version), o)).value as ModelMetadata,
    repositoryIndex: async (o) => (await json("POST", "/v2/repository/index", o, { ready: o?.ready ?? false })).value as RepositoryIndexEntry[],
    loadModel: async (model, o) => void (await json("POST", `/v2/repository/models/${encodeURIComponent(model)}/load`, o, {})),
    unloadModel: async (model, o) => void (await json("POST", `/v2/repository/models/${encodeURIComponent(model)}/unload`, o, {})),
    close: async () => http.close(),
  };
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new RpcError(Code.Internal, `the server answered with a body that is not JSON: ${clip(body.toString("utf8", 0, 200), 200)}`);
  }
}

/** An HTTP error status as an RpcError: the code of the status, the server's `error` message. */
function statusError(r: Reply): RpcError {
  let message = `HTTP ${r.status}`;
  try {
    const e = (JSON.parse(r.body.toString("utf8")) as { error?: unknown }).error;
    if (typeof e === "string") message = e;
  } catch {
    // not JSON: keep the status
  }
  const retryAfter = r.header("retry-after");
  return new RpcError(codeOfStatus(r.status), message, retryAfter === undefined ? {} : { metadata: new Metadata({ "retry-after": retryAfter }) });
}

/** The gRPC code of an HTTP status of the protocol's REST endpoints. */
export function codeOfStatus(status: number): Code {
  switch (status) {
    case 400: case 422: return Code.InvalidArgument;
    case 401: return Code.Unauthenticated;
    case 403: return Code.PermissionDenied;
    case 404: return Code.NotFound;
    case 405: case 501: return Code.Unimplemented;
    case 408: case 504: return Code.DeadlineExceeded;
    case 409: return Code.Aborted;
    case 413: case 429: return Code.ResourceExhausted;
    case 499: return Code.Canceled;
    case 502: case 503: return Code.Unavailable;
    default: return status >= 500 ? Code.Internal : Code.Unknown;
  }
}
