import { Code, RpcError } from "../core/index.js";
import { resolveWebSocketHubOptions, WEBSOCKET_HUB_DEFAULTS } from "../http/index.js";
import { RESUME_DEFAULTS } from "./resume/store.js";
import type { GatewayOptions, GatewayWebSocketOptions, ResolvedGatewayOptions } from "./types.js";

/** The defaults of {@link GatewayOptions}. */
export const GATEWAY_DEFAULTS = Object.freeze({
  forwardHeaders: Object.freeze(["authorization", "x-request-id", "traceparent", "tracestate", "baggage"]),
  metadataPrefix: "grpc-metadata-",
  timeoutHeader: "x-timeout-ms",
  maxTimeoutMs: 3_600_000,
  maxBodyBytes: 1 << 20,
  firstEventWaitMs: 1000,
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
    defaultTimeoutMs: o.defaultTimeoutMs,
    maxTimeoutMs: o.maxTimeoutMs ?? GATEWAY_DEFAULTS.maxTimeoutMs,
    maxBodyBytes: o.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes,
    sse: o.sse ?? {},
    firstEventWaitMs: o.firstEventWaitMs ?? GATEWAY_DEFAULTS.firstEventWaitMs,
    resume,
    websocket: resolveWebSocketOptions(o.websocket),
  };
  const positive: Record<string, number | undefined> = {
    maxTimeoutMs: out.maxTimeoutMs, maxBodyBytes: out.maxBodyBytes, "resume.retentionMs": resume.retentionMs,
    "resume.maxEvents": resume.maxEvents, "resume.maxBytes": resume.maxBytes, "resume.maxStreams": resume.maxStreams,
    defaultTimeoutMs: out.defaultTimeoutMs,
  };
  for (const [k, v] of Object.entries(positive)) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new RpcError(Code.InvalidArgument, `gateway option ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(out.firstEventWaitMs) || out.firstEventWaitMs < 0) {
    throw new RpcError(Code.InvalidArgument, `gateway option firstEventWaitMs must be a non-negative integer, got ${out.firstEventWaitMs}`);
  }
  return Object.freeze(out);
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resolveWebSocketOptions(o: GatewayWebSocketOptions = {}): ResolvedGatewayOptions["websocket"] {
  const { endMessage = GATEWAY_DEFAULTS.websocket.endMessage, ...limits } = o;
  return Object.freeze({ ...resolveWebSocketHubOptions(limits, "gateway option websocket."), endMessage });
}
