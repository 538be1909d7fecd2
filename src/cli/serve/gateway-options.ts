import { UsageError } from "../io.js";

/** The bounds of `weir serve`'s gateway: its calls to the model server and its resumable streams. */
export interface GatewayServeOptions {
  /** HTTP/2 connections from the gateway to the model server (each carries up to its 100 streams). Default 8. */
  upstreamConnections?: number;
  /** Requests that may wait for a free stream when every connection is full; beyond, 429. Default 1024. */
  upstreamQueue?: number;
  /** How long a request waits for a free stream before it is answered 503, in ms. Default 500. */
  upstreamWaitMs?: number;
  /** Deadline of a JSON request's call (e.g. `/v1/models`) without a timeout header, in ms. Default 60000. */
  requestTimeoutMs?: number;
  /** Deadline of a stream (SSE, WebSocket, OpenAI completion) without a timeout header, in ms. Default 600000. */
  streamTimeoutMs?: number;
  /** A resumable stream's generation is cancelled after this long without a reader, in ms. Default 10000. */
  resumeGraceMs?: number;
  /** A resumable stream's events are kept this long without a reader, in ms. Default 60000. */
  resumeRetentionMs?: number;
  /** Resumable streams held at once, in all. Default 256. */
  resumeMaxStreams?: number;
  /** Resumable streams one client (address, or authenticated principal) may hold at once. Default 16. */
  resumePerClient?: number;
}

type Key = keyof GatewayServeOptions;

/** Flag, option, smallest value, usage line. */
const FLAGS: readonly (readonly [flag: string, key: Key, min: number, usage: string])[] = [
  ["--upstream-connections", "upstreamConnections", 1, "HTTP/2 connections from the gateway to the model server"],
  ["--upstream-queue", "upstreamQueue", 0, "requests that may wait for a free upstream stream (beyond: 429)"],
  ["--upstream-wait-ms", "upstreamWaitMs", 1, "longest wait for a free upstream stream (then: 503)"],
  ["--request-timeout-ms", "requestTimeoutMs", 1, "deadline of JSON requests without x-timeout-ms"],
  ["--stream-timeout-ms", "streamTimeoutMs", 1, "deadline of streams without x-timeout-ms"],
  ["--resume-grace-ms", "resumeGraceMs", 1, "a resumable stream's generation stops after this long unread"],
  ["--resume-retention-ms", "resumeRetentionMs", 1, "a resumable stream's events are kept this long unread"],
  ["--resume-max-streams", "resumeMaxStreams", 1, "resumable streams held at once (beyond: 429)"],
  ["--resume-per-client", "resumePerClient", 1, "resumable streams one client may hold (beyond: 429)"],
];

export const GATEWAY_SERVE_DEFAULTS: Readonly<Required<GatewayServeOptions>> = Object.freeze({
  upstreamConnections: 8,
  upstreamQueue: 1024,
  upstreamWaitMs: 500,
  requestTimeoutMs: 60_000,
  streamTimeoutMs: 600_000,
  resumeGraceMs: 10_000,
  resumeRetentionMs: 60_000,
  resumeMaxStreams: 256,
  resumePerClient: 16,
});

/** Fill in the defaults and check each value. @throws UsageError naming the flag. */
export function resolveGatewayServeOptions(o: GatewayServeOptions): Required<GatewayServeOptions> {
  const out = { ...GATEWAY_SERVE_DEFAULTS };
  for (const [flag, key, min] of FLAGS) {
    const v = o[key] ?? GATEWAY_SERVE_DEFAULTS[key];
    if (!Number.isInteger(v) || v < min) throw new UsageError(`${flag} must be a whole number, ${min} or more, got ${v}`);
    out[key] = v;
  }
  return out;
}

/** The flags for node:util parseArgs. */
export const GATEWAY_FLAG_SPECS: Readonly<Record<string, { type: "string" }>> = Object.freeze(
  Object.fromEntries(FLAGS.map(([flag]) => [flag.slice(2), { type: "string" as const }])),
);

/** Parsed flag values -> options; `num` turns a flag's text into a number (UsageError otherwise). */
export function gatewayOptionsFromFlags(values: Record<string, unknown>, num: (flag: string, v: string | undefined) => number | undefined): GatewayServeOptions {
  const out: GatewayServeOptions = {};
  for (const [flag, key] of FLAGS) out[key] = num(flag, values[flag.slice(2)] as string | undefined);
  return out;
}

/** The usage lines of these flags. */
export function gatewayFlagsUsage(): string {
  return FLAGS.map(([flag, key, , usage]) => {
    const arg = `${flag} <${key.endsWith("Ms") ? "ms" : "n"}>`;
    return `  ${arg.padEnd(28)}${usage} (default ${GATEWAY_SERVE_DEFAULTS[key]})`;
  }).join("\n");
}
