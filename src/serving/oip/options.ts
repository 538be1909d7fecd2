import { createRequire } from "node:module";
import { Code, RpcError } from "../../core/index.js";
import type { ModelRepository } from "../repository/index.js";
import { checkPositiveInteger, resolveTensorLimits, type ResolvedTensorLimits, type TensorLimits } from "./limits.js";

/** Limits of the REST endpoints (on top of the HTTP server's own: connections, header and body times). */
export interface OipRestOptions {
  /**
   * Largest request body, JSON and binary data together. Past it: 413 and
   * `{"error": "request body … exceeds the limit …"}`, before the body is read when its
   * Content-Length says so. Default 16 MiB.
   */
  maxBodyBytes?: number;
  /**
   * Bytes that all REST inference requests together may hold at once: bodies being read or
   * decoded, responses being written. A request that arrives past it gets 503 with
   * `Retry-After: 1` instead of being read. Default 256 MiB.
   */
  maxBufferedBytes?: number;
}

/** Options of {@link createOipServer}. */
export interface OipServerOptions {
  /** The models served. */
  repository: ModelRepository;
  /** Server name in the server metadata. Default "weir". */
  name?: string;
  /** Server version in the server metadata. Default: Weir's version. */
  version?: string;
  /**
   * Deadline of an inference whose call carries none (no `grpc-timeout`, no timeout header), in
   * ms: past it the model's signal aborts and the caller gets DEADLINE_EXCEEDED (HTTP 504).
   * Default 60 000.
   */
  defaultTimeoutMs?: number;
  /** What one request may hold: tensor bytes, BYTES elements, tensors, parameters. */
  limits?: TensorLimits;
  /** Limits of the REST endpoints. */
  rest?: OipRestOptions;
}

/** `OipServerOptions` with every default filled in and checked, as `resolveOipServerOptions` returns them. */
export interface ResolvedOipServerOptions {
  readonly repository: ModelRepository;
  readonly name: string;
  readonly version: string;
  readonly defaultTimeoutMs: number;
  readonly limits: ResolvedTensorLimits;
  readonly rest: Readonly<Required<OipRestOptions>>;
}

/** The defaults of `OipServerOptions` (frozen); see docs/serving.md and docs/limits.md for each value. */
export const OIP_SERVER_DEFAULTS = Object.freeze({
  name: "weir",
  defaultTimeoutMs: 60_000,
  rest: Object.freeze({ maxBodyBytes: 16 << 20, maxBufferedBytes: 256 << 20 }),
});

/** Fill in defaults and check values; a bad one throws INVALID_ARGUMENT saying what to pass. */
export function resolveOipServerOptions(o: OipServerOptions): ResolvedOipServerOptions {
  const d = OIP_SERVER_DEFAULTS;
  if (o.repository === undefined || typeof o.repository.get !== "function") {
    throw new RpcError(Code.InvalidArgument, "OIP server option repository is required: pass createModelRepository({ models })");
  }
  const rest = { ...d.rest };
  for (const key of Object.keys(rest) as (keyof OipRestOptions)[]) {
    const v = o.rest?.[key];
    if (v === undefined) continue;
    checkPositiveInteger(`OIP server option rest.${key}`, v);
    rest[key] = v;
  }
  const defaultTimeoutMs = o.defaultTimeoutMs ?? d.defaultTimeoutMs;
  checkPositiveInteger("OIP server option defaultTimeoutMs", defaultTimeoutMs);
  return Object.freeze({
    repository: o.repository,
    name: o.name ?? d.name,
    version: o.version ?? packageVersion(),
    defaultTimeoutMs,
    limits: resolveTensorLimits(o.limits, "OIP server option limits."),
    rest: Object.freeze(rest),
  });
}

function packageVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)("../../../../package.json") as { name?: string; version?: string };
    return pkg.name === "weir" && pkg.version ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}
