import { parseArgs } from "node:util";
import { HTTP_SERVER_LIMIT_DEFAULTS } from "../../http/index.js";
import { DETECTION_DEFAULTS } from "../../transport/detection/index.js";
import { WEBSOCKET_HUB_DEFAULTS, type WebSocketHubOptions } from "../../http/index.js";
import { UsageError } from "../io.js";
import {
  GATEWAY_FLAG_SPECS, GATEWAY_SERVE_DEFAULTS, gatewayFlagsUsage, gatewayOptionsFromFlags, resolveGatewayServeOptions, type GatewayServeOptions,
} from "./gateway-options.js";

/** Options of `weir serve` (and of {@link startServe}); the gateway's bounds are in {@link GatewayServeOptions}. */
export interface ServeOptions extends GatewayServeOptions {
  /** Interface both servers bind. Default `127.0.0.1`. */
  host?: string;
  /** Port of the HTTP gateway (chat page, `/api`, `/v1`, `/metrics`); 0 picks a free one. Default 8080. */
  httpPort?: number;
  /** Port of the model server (gRPC, Generation service); 0 picks a free one. Default 9090. */
  rpcPort?: number;
  /**
   * Connections open on the model port at once, whatever protocol they speak; past it, a new one
   * displaces the oldest that has not said what it speaks, or is closed. Default 1000, or 45% of
   * the open-file limit (after 64 kept back) when that is less.
   */
  maxRpcConnections?: number;
  /** Pace of the built-in engine: model steps per second, each a token for every running generation; 0 = as fast as it can. Default 25. */
  tokensPerSecond?: number;
  /** Largest `max_tokens` a request may ask for. Default 4096. */
  maxTokensLimit?: number;
  /**
   * Sequences in one step of the built-in model's scheduler (vLLM's `--max-num-seqs`). The n-gram
   * model's step costs about 1.5 µs per sequence, so the default leaves room for every stream the
   * gateway lets through. Default 1024; 64 with `model` (a transformer's step grows with the batch,
   * and each sequence holds a KV cache).
   */
  maxNumSeqs?: number;
  /** Tokens fed in one step: one per running sequence, prompts in chunks within the rest (vLLM's `--max-num-batched-tokens`). Default 16384. */
  maxNumBatchedTokens?: number;
  /** Generations waiting to join the batch; one more is refused with 429. Default 1024. */
  maxWaitingSeqs?: number;
  /**
   * Run the built-in n-gram model under the continuous-batching scheduler (`weir_scheduler_*` on
   * /metrics) instead of one paced loop per generation. The n-gram's step costs next to nothing, so
   * batching gains it nothing, and a newcomer waits for the next step: off by default. A `--model`
   * always runs under the scheduler. Default false.
   */
  continuousBatching?: boolean;
  /** Longest prompt (all messages together) in characters, refused before tokenizing. Default 65536 (8 per token of the 8192-token context). */
  maxPromptChars?: number;
  /**
   * A model repository folder (`<dir>/<name>/config.json`, `<dir>/<name>/<version>/model.onnx`)
   * served with the Open Inference Protocol next to the built-in models; "" for none. Default "".
   */
  modelRepository?: string;
  /** Largest gRPC message either way on the RPC port (OIP tensors), in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * An OpenAI-compatible server (`http://host:8000/v1`: vLLM, llama.cpp, Ollama, TGI, another
   * `weir serve`) that generates instead of the built-in engine; "" for the built-in engine. Its
   * API key, if it needs one, comes from the environment variable `WEIR_UPSTREAM_API_KEY`. Default "".
   */
  upstream?: string;
  /** The upstream's model name; "" = the first of its `/v1/models`. Default "". */
  upstreamModel?: string;
  /**
   * A decoder-only model folder in Hugging Face Optimum's layout (`model.onnx`, `tokenizer.json`,
   * `config.json`) generating on ONNX Runtime instead of the built-in n-gram engine; `tiny-gpt` =
   * the small transformer shipped with the package; "" = the n-gram engine. Needs the optional
   * packages onnxruntime-node and @huggingface/tokenizers. Default "".
   */
  model?: string;
  /** A Redis (`redis://host:port`) holding the `/v1/jobs` queue, shared by every `weir serve` pointed at it; "" = a queue in this process. Default "". */
  jobsRedis?: string;
  /** Jobs this process runs at once. Default 4. */
  jobsConcurrency?: number;
  /** With `jobsRedis`: how long a killed worker's job stays locked before another worker takes it over, in ms. Default 30000. */
  jobsLockMs?: number;
  /** HTTP connections open at once; idle ones make way for new ones (see docs/limits.md). Default 1024, or 45% of the open-file limit (after 64 kept back) when that is less. */
  maxHttpConnections?: number;
  /** On shutdown, how long calls in flight may run before they are cancelled, in ms. Default 5000. */
  graceMs?: number;
  /** WebSockets open at once on `/api/generate/ws`; more are refused with HTTP 503. Default 256. */
  wsMaxSockets?: number;
  /** Received bytes all WebSockets hold together before they stop reading. Default 64 MiB. */
  wsMaxTotalBytes?: number;
  /** Close a WebSocket with no message either way for this long, in ms; 0 = never. Default 120000. */
  wsIdleTimeoutMs?: number;
  /** Origins of other sites whose pages may open WebSockets (`*` = any); the server's own pages always may. Default none. */
  wsAllowedOrigins?: readonly string[];
  /**
   * Names a request's `Host` may carry (`*` = any), on every HTTP route and WebSocket handshake,
   * against DNS rebinding. Default: `localhost`, `127.0.0.1`, `::1` when `host` is a loopback
   * address, else any.
   */
  allowedHosts?: readonly string[];
}

export type ResolvedServeOptions = Readonly<Required<ServeOptions>>;

/** `maxNumSeqs` by default when a `model` folder generates. */
export const MODEL_MAX_NUM_SEQS = 64;

export const SERVE_DEFAULTS: ResolvedServeOptions = Object.freeze({
  host: "127.0.0.1",
  httpPort: 8080,
  rpcPort: 9090,
  maxRpcConnections: DETECTION_DEFAULTS.maxConnections,
  tokensPerSecond: 25,
  maxTokensLimit: 4096,
  maxNumSeqs: 1024,
  maxNumBatchedTokens: 16_384,
  maxWaitingSeqs: 1024,
  continuousBatching: false,
  maxPromptChars: 65_536,
  maxHttpConnections: HTTP_SERVER_LIMIT_DEFAULTS.maxConnections,
  modelRepository: "",
  maxMessageBytes: 16 << 20,
  upstream: "",
  upstreamModel: "",
  model: "",
  jobsRedis: "",
  jobsConcurrency: 4,
  jobsLockMs: 30_000,
  graceMs: 5000,
  ...GATEWAY_SERVE_DEFAULTS,
  wsMaxSockets: WEBSOCKET_HUB_DEFAULTS.maxSockets,
  wsMaxTotalBytes: WEBSOCKET_HUB_DEFAULTS.maxTotalBytes,
  wsIdleTimeoutMs: WEBSOCKET_HUB_DEFAULTS.idleTimeoutMs,
  wsAllowedOrigins: Object.freeze([] as string[]),
  allowedHosts: Object.freeze(["localhost", "127.0.0.1", "::1"]),
});

/** Check options and fill in defaults. @throws UsageError naming the bad option. */
export function resolveServeOptions(o: ServeOptions = {}): ResolvedServeOptions {
  const d = SERVE_DEFAULTS;
  const r = {
    host: o.host ?? d.host,
    httpPort: o.httpPort ?? d.httpPort,
    rpcPort: o.rpcPort ?? d.rpcPort,
    maxRpcConnections: o.maxRpcConnections ?? d.maxRpcConnections,
    tokensPerSecond: o.tokensPerSecond ?? d.tokensPerSecond,
    maxTokensLimit: o.maxTokensLimit ?? d.maxTokensLimit,
    maxNumSeqs: o.maxNumSeqs ?? ((o.model ?? "") === "" ? d.maxNumSeqs : MODEL_MAX_NUM_SEQS),
    maxNumBatchedTokens: o.maxNumBatchedTokens ?? d.maxNumBatchedTokens,
    maxWaitingSeqs: o.maxWaitingSeqs ?? d.maxWaitingSeqs,
    continuousBatching: o.continuousBatching ?? d.continuousBatching,
    maxPromptChars: o.maxPromptChars ?? d.maxPromptChars,
    maxHttpConnections: o.maxHttpConnections ?? d.maxHttpConnections,
    modelRepository: o.modelRepository ?? d.modelRepository,
    maxMessageBytes: o.maxMessageBytes ?? d.maxMessageBytes,
    upstream: o.upstream ?? d.upstream,
    upstreamModel: o.upstreamModel ?? d.upstreamModel,
    model: o.model ?? d.model,
    jobsRedis: o.jobsRedis ?? d.jobsRedis,
    jobsConcurrency: o.jobsConcurrency ?? d.jobsConcurrency,
    jobsLockMs: o.jobsLockMs ?? d.jobsLockMs,
    graceMs: o.graceMs ?? d.graceMs,
    ...resolveGatewayServeOptions(o),
    wsMaxSockets: o.wsMaxSockets ?? d.wsMaxSockets,
    wsMaxTotalBytes: o.wsMaxTotalBytes ?? d.wsMaxTotalBytes,
    wsIdleTimeoutMs: o.wsIdleTimeoutMs ?? d.wsIdleTimeoutMs,
    wsAllowedOrigins: Object.freeze([...(o.wsAllowedOrigins ?? d.wsAllowedOrigins)]),
    allowedHosts: Object.freeze([...(o.allowedHosts ?? (isLoopback(o.host ?? d.host) ? d.allowedHosts : ["*"]))]),
  };
  if (r.host === "") throw new UsageError("--host must not be empty");
  port("--http-port", r.httpPort);
  port("--rpc-port", r.rpcPort);
  if (r.httpPort !== 0 && r.httpPort === r.rpcPort) throw new UsageError(`--http-port and --rpc-port must differ (both ${r.httpPort})`);
  if (!Number.isInteger(r.maxRpcConnections) || r.maxRpcConnections < 1) throw new UsageError(`--max-rpc-connections must be a positive integer, got ${r.maxRpcConnections}`);
  if (!(r.tokensPerSecond >= 0 && r.tokensPerSecond <= 1e6)) throw new UsageError(`--tokens-per-second must be in 0..1000000, got ${r.tokensPerSecond}`);
  if (!Number.isInteger(r.maxTokensLimit) || r.maxTokensLimit < 1) throw new UsageError(`--max-tokens-limit must be a positive integer, got ${r.maxTokensLimit}`);
  if (!Number.isInteger(r.maxNumSeqs) || r.maxNumSeqs < 1 || r.maxNumSeqs > 65_536) throw new UsageError(`--max-num-seqs must be an integer from 1 to 65536, got ${r.maxNumSeqs}`);
  if (!Number.isInteger(r.maxNumBatchedTokens) || r.maxNumBatchedTokens < r.maxNumSeqs) throw new UsageError(`--max-num-batched-tokens must be an integer >= --max-num-seqs (${r.maxNumSeqs}), got ${r.maxNumBatchedTokens}`);
  if (!Number.isInteger(r.maxWaitingSeqs) || r.maxWaitingSeqs < 0) throw new UsageError(`--max-waiting-seqs must be a non-negative integer, got ${r.maxWaitingSeqs}`);
  if (!Number.isInteger(r.maxPromptChars) || r.maxPromptChars < 1) throw new UsageError(`--max-prompt-chars must be a positive integer, got ${r.maxPromptChars}`);
  if (!Number.isInteger(r.maxMessageBytes) || r.maxMessageBytes < 1024 || r.maxMessageBytes > 1 << 30) throw new UsageError(`--max-message-bytes must be an integer from 1024 to 1073741824, got ${r.maxMessageBytes}`);
  if (!Number.isInteger(r.maxHttpConnections) || r.maxHttpConnections < 1) throw new UsageError(`--max-http-connections must be a positive integer, got ${r.maxHttpConnections}`);
  if (r.upstream !== "" && !/^https?:\/\/[^\s]+$/i.test(r.upstream)) throw new UsageError(`--upstream takes an http(s) URL such as http://127.0.0.1:8000/v1, got "${r.upstream}"`);
  if (r.jobsRedis !== "" && !/^rediss?:\/\/[^\s]+$/i.test(r.jobsRedis)) throw new UsageError(`--jobs-redis takes a redis:// URL, got "${r.jobsRedis}"`);
  if (!Number.isInteger(r.jobsConcurrency) || r.jobsConcurrency < 1 || r.jobsConcurrency > 4096) throw new UsageError(`--jobs-concurrency must be an integer from 1 to 4096, got ${r.jobsConcurrency}`);
  if (!Number.isInteger(r.jobsLockMs) || r.jobsLockMs < 100) throw new UsageError(`--jobs-lock-ms must be an integer >= 100, got ${r.jobsLockMs}`);
  if (r.upstreamModel !== "" && r.upstream === "") throw new UsageError("--upstream-model needs --upstream");
  if (r.model !== "" && r.upstream !== "") throw new UsageError("--model and --upstream cannot be used together: one engine generates");
  if (!Number.isInteger(r.graceMs) || r.graceMs < 0) throw new UsageError(`--grace-ms must be a non-negative integer, got ${r.graceMs}`);
  checkWebSocketOptions(r);
  return Object.freeze(r);
}

/** `weir serve`'s flags -> options. @throws UsageError on an unknown flag or a bad value. */
export function parseServeArgs(args: readonly string[]): ResolvedServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        "http-port": { type: "string" },
        "rpc-port": { type: "string" },
        "max-rpc-connections": { type: "string" },
        "tokens-per-second": { type: "string" },
        "max-tokens-limit": { type: "string" },
        "max-num-seqs": { type: "string" },
        "max-num-batched-tokens": { type: "string" },
        "max-waiting-seqs": { type: "string" },
        "continuous-batching": { type: "boolean" },
        "max-prompt-chars": { type: "string" },
        "max-http-connections": { type: "string" },
        "model-repository": { type: "string" },
        "max-message-bytes": { type: "string" },
        upstream: { type: "string" },
        "upstream-model": { type: "string" },
        model: { type: "string" },
        "jobs-redis": { type: "string" },
        "jobs-concurrency": { type: "string" },
        "jobs-lock-ms": { type: "string" },
        "grace-ms": { type: "string" },
        ...GATEWAY_FLAG_SPECS,
        "ws-max-sockets": { type: "string" },
        "ws-max-total-bytes": { type: "string" },
        "ws-idle-timeout-ms": { type: "string" },
        "ws-allowed-origins": { type: "string" },
        "allowed-hosts": { type: "string" },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  return resolveServeOptions({
    host: values.host,
    httpPort: num("--http-port", values["http-port"]),
    rpcPort: num("--rpc-port", values["rpc-port"]),
    maxRpcConnections: num("--max-rpc-connections", values["max-rpc-connections"]),
    tokensPerSecond: num("--tokens-per-second", values["tokens-per-second"]),
    maxTokensLimit: num("--max-tokens-limit", values["max-tokens-limit"]),
    maxNumSeqs: num("--max-num-seqs", values["max-num-seqs"]),
    maxNumBatchedTokens: num("--max-num-batched-tokens", values["max-num-batched-tokens"]),
    maxWaitingSeqs: num("--max-waiting-seqs", values["max-waiting-seqs"]),
    continuousBatching: values["continuous-batching"],
    maxPromptChars: num("--max-prompt-chars", values["max-prompt-chars"]),
    maxHttpConnections: num("--max-http-connections", values["max-http-connections"]),
    modelRepository: values["model-repository"],
    maxMessageBytes: num("--max-message-bytes", values["max-message-bytes"]),
    upstream: values.upstream,
    upstreamModel: values["upstream-model"],
    model: values.model,
    jobsRedis: values["jobs-redis"],
    jobsConcurrency: num("--jobs-concurrency", values["jobs-concurrency"]),
    jobsLockMs: num("--jobs-lock-ms", values["jobs-lock-ms"]),
    graceMs: num("--grace-ms", values["grace-ms"]),
    ...gatewayOptionsFromFlags(values, num),
    wsMaxSockets: num("--ws-max-sockets", values["ws-max-sockets"]),
    wsMaxTotalBytes: num("--ws-max-total-bytes", values["ws-max-total-bytes"]),
    wsIdleTimeoutMs: num("--ws-idle-timeout-ms", values["ws-idle-timeout-ms"]),
    wsAllowedOrigins: list(values["ws-allowed-origins"]),
    allowedHosts: list(values["allowed-hosts"]),
  });
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = v.trim() === "" ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} needs a number, got "${v}"`);
  return n;
}

/** A comma-separated flag value as a list (empty items dropped). */
function list(v: string | undefined): string[] | undefined {
  return v?.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function checkWebSocketOptions(r: ResolvedServeOptions): void {
  if (!Number.isInteger(r.wsMaxSockets) || r.wsMaxSockets < 1) throw new UsageError(`--ws-max-sockets must be a positive integer, got ${r.wsMaxSockets}`);
  const minTotal = WEBSOCKET_HUB_DEFAULTS.maxPayload;
  if (!Number.isInteger(r.wsMaxTotalBytes) || r.wsMaxTotalBytes < minTotal) {
    throw new UsageError(`--ws-max-total-bytes must be an integer >= ${minTotal} (the largest message), got ${r.wsMaxTotalBytes}`);
  }
  if (!Number.isInteger(r.wsIdleTimeoutMs) || r.wsIdleTimeoutMs < 0) throw new UsageError(`--ws-idle-timeout-ms must be a non-negative integer (0 = never), got ${r.wsIdleTimeoutMs}`);
  const bad = r.wsAllowedOrigins.find((o) => o !== "*" && !/^https?:\/\/[^/\s]+$/i.test(o));
  if (bad !== undefined) throw new UsageError(`--ws-allowed-origins takes origins such as https://app.example.com (or *), got "${bad}"`);
}

/** Whether `host` is a loopback address or name, where only local pages could reach the server. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The gateway's WebSocket options from `weir serve`'s. */
export function webSocketOptionsOf(o: ResolvedServeOptions): WebSocketHubOptions {
  return {
    maxSockets: o.wsMaxSockets, maxTotalBytes: o.wsMaxTotalBytes, idleTimeoutMs: o.wsIdleTimeoutMs,
    allowedOrigins: o.wsAllowedOrigins, allowedHosts: o.allowedHosts,
  };
}

function port(flag: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError(`${flag} must be a port in 0..65535, got ${v}`);
}

/** Usage text of `weir serve`. */
export const SERVE_USAGE = `Usage: weir serve [flags]

Starts the model server (gRPC, Generation service on the built-in engine) and the HTTP gateway
that talks to it over gRPC: the chat page, native SSE and WebSocket streams, an OpenAI-compatible
API, health and Prometheus metrics. Ctrl-C drains and exits.

Flags:
  --host <address>            interface both servers bind (default ${SERVE_DEFAULTS.host})
  --http-port <port>          HTTP gateway port, 0 = any free port (default ${SERVE_DEFAULTS.httpPort})
  --rpc-port <port>           model server (gRPC) port, 0 = any free port (default ${SERVE_DEFAULTS.rpcPort})
  --max-rpc-connections <n>   connections open on the model port at once; silent ones make way (default ${SERVE_DEFAULTS.maxRpcConnections}, from ulimit -n)
  --tokens-per-second <n>     pace of the built-in engine per generation, 0 = full speed (default ${SERVE_DEFAULTS.tokensPerSecond})
  --max-tokens-limit <n>      largest max_tokens a request may ask for (default ${SERVE_DEFAULTS.maxTokensLimit})
  --max-num-seqs <n>          sequences in one step of the built-in model's continuous batching (default ${SERVE_DEFAULTS.maxNumSeqs})
  --max-num-batched-tokens <n> tokens in one step: a token per running sequence, prompts in chunks (default ${SERVE_DEFAULTS.maxNumBatchedTokens})
  --max-waiting-seqs <n>      generations waiting to join the batch; one more is 429 (default ${SERVE_DEFAULTS.maxWaitingSeqs})
  --continuous-batching       run the built-in model under the continuous-batching scheduler (a --model always is)
  --max-prompt-chars <n>      longest prompt in characters, refused before tokenizing (default ${SERVE_DEFAULTS.maxPromptChars})
  --max-http-connections <n>  HTTP connections open at once; idle ones make way (default ${SERVE_DEFAULTS.maxHttpConnections}, from ulimit -n)
  --model-repository <dir>    serve the models of this folder (ONNX, with config.json) with OIP v2, besides the built-in ones
  --max-message-bytes <n>     largest gRPC message either way on the RPC port, e.g. a tensor (default ${SERVE_DEFAULTS.maxMessageBytes})
  --upstream <url>            generate with an OpenAI-compatible server (http://host:8000/v1: vLLM, llama.cpp,
                              Ollama, TGI, another weir serve) instead of the built-in engine; its API key,
                              if any, from $WEIR_UPSTREAM_API_KEY
  --upstream-model <name>     the upstream's model (default: the first of its /v1/models)
  --model <dir>               generate with a decoder-only ONNX model folder (model.onnx, tokenizer.json,
                              config.json; tiny-gpt = the one shipped) instead of the n-gram engine
  --jobs-redis <url>          keep the /v1/jobs queue in this Redis, shared by every weir serve using it (default: in this process)
  --jobs-concurrency <n>      jobs this process runs at once (default ${SERVE_DEFAULTS.jobsConcurrency})
  --jobs-lock-ms <ms>         with --jobs-redis: a dead worker's job goes to another after this long (default ${SERVE_DEFAULTS.jobsLockMs})
  --grace-ms <ms>             on Ctrl-C, time given to streams in flight (default ${SERVE_DEFAULTS.graceMs})
${gatewayFlagsUsage()}
  --ws-max-sockets <n>        WebSockets open at once; more get HTTP 503 (default ${SERVE_DEFAULTS.wsMaxSockets})
  --ws-max-total-bytes <n>    received bytes all WebSockets hold before they stop reading (default ${SERVE_DEFAULTS.wsMaxTotalBytes})
  --ws-idle-timeout-ms <ms>   close a WebSocket with no message either way for this long, 0 = never (default ${SERVE_DEFAULTS.wsIdleTimeoutMs})
  --ws-allowed-origins <list> comma-separated origins of other sites allowed to open WebSockets, * = any (default: none, same-origin only)
  --allowed-hosts <list>      comma-separated Host names HTTP requests and WebSockets may use, * = any
                              (default: localhost,127.0.0.1,::1 when --host is loopback, else *)

Routes (HTTP):
  GET  /                      chat page
  GET|POST /api/generate      Generate as server-sent events (GET: ?prompt=&max_tokens=&temperature=&seed=)
  GET  /api/generate/ws       Generate over WebSocket
  POST /v1/chat/completions   OpenAI-compatible (also /v1/completions, GET /v1/models)
  POST /v1/jobs               queue a generation as a job; GET /v1/jobs/{id}, POST /v1/jobs/{id}/cancel,
                              GET /v1/jobs/{id}/events (SSE)
  GET  /healthz               200 when the model server answers (or says it is busy), else 503
  GET  /metrics               Prometheus
  GET|POST /v2/...            Open Inference Protocol (KServe v2): health, metadata, infer, repository
                              (also over gRPC on the RPC port: inference.GRPCInferenceService)
`;
