import { Code, RpcError } from "../core/index.js";
import { resolveWebSocketHubOptions, WEBSOCKET_HUB_DEFAULTS } from "../http/index.js";
import { RESUME_DEFAULTS } from "./resume/store.js";
import type { GatewayOptions, GatewayWebSocketOptions, ResolvedGatewayOptions, ResumeOptions } from "./types.js";

/** The defaults of {@link GatewayOptions}. */
export const GATEWAY_DEFAULTS = Object.freeze({
  forwardHeaders: Object.freeze(["authorization", "x-request-id", "traceparent", "tracestate", "baggage"]),
  metadataPrefix: "grpc-metadata-",
  timeoutHeader: "x-timeout-ms",
  defaultTimeoutMs: 60_000,
  defaultStreamTimeoutMs: 600_000,
  maxTimeoutMs: 3_600_000,
  maxBodyBytes: 1 << 20,
  maxJsonDepth: 64,
  acceptTimeoutMs: 30_000,
  resume: RESUME_DEFAULTS,
  websocket: Object.freeze({ ...WEBSOCKET_HUB_DEFAULTS, endMessage: "[DONE]" }),
});

/** Fill in defaults and check values; a bad value throws RpcError INVALID_ARGUMENT saying what to give. */
export function resolveGatewayOptions(o: GatewayOptions): ResolvedGatewayOptions {
  const resume = { ...GATEWAY_DEFAULTS.resume, ...defined(o.resume ?? {}) };
  const out: ResolvedGatewayOptions = {
    forwardHeaders: (o.forwardHeaders ?? GATEWAY_DEFAULTS.forwardHeaders).map((h) => h.toLowerCase()),
    metadataPrefix: (o.metadataPrefix ?? GATEWAY_DEFAULTS.metadataPrefix).toLowerCase(),
    timeoutHeader: (o.timeoutHeader ?? GATEWAY_DEFAULTS.timeoutHeader).toLowerCase(),
    defaultTimeoutMs: o.defaultTimeoutMs ?? GATEWAY_DEFAULTS.defaultTimeoutMs,
    defaultStreamTimeoutMs: o.defaultStreamTimeoutMs ?? GATEWAY_DEFAULTS.defaultStreamTimeoutMs,
    maxTimeoutMs: o.maxTimeoutMs ?? GATEWAY_DEFAULTS.maxTimeoutMs,
    maxBodyBytes: o.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes,
    maxJsonDepth: o.maxJsonDepth ?? GATEWAY_DEFAULTS.maxJsonDepth,
    sse: o.sse ?? {},
    acceptTimeoutMs: o.acceptTimeoutMs ?? GATEWAY_DEFAULTS.acceptTimeoutMs,
    resume,
    websocket: resolveWebSocketOptions(o.websocket),
  };
  checkPositive("gateway option ", {
    maxTimeoutMs: out.maxTimeoutMs, maxBodyBytes: out.maxBodyBytes, maxJsonDepth: out.maxJsonDepth, acceptTimeoutMs: out.acceptTimeoutMs,
    "websocket.maxPayload": out.websocket.maxPayload, defaultTimeoutMs: out.defaultTimeoutMs, defaultStreamTimeoutMs: out.defaultStreamTimeoutMs,
  });
  checkResumeOptions("gateway option resume", resume);
  return Object.freeze(out);
}

/** Check resumable-stream options (the gateway's or a route's); `where` names them in the error. */
export function checkResumeOptions(where: string, r: Required<ResumeOptions>): void {
  checkPositive(`${where}.`, r);
}

function checkPositive(prefix: string, values: Readonly<Record<string, number | undefined>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new RpcError(Code.InvalidArgument, `${prefix}${k} must be a positive integer, got ${v}`);
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resolveWebSocketOptions(o: GatewayWebSocketOptions = {}): ResolvedGatewayOptions["websocket"] {
  const { endMessage = GATEWAY_DEFAULTS.websocket.endMessage, ...limits } = o;
  return Object.freeze({ ...resolveWebSocketHubOptions(limits, "gateway option websocket."), endMessage });
}
