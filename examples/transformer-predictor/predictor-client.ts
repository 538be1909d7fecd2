// The transformer's side of the hop: Weir's OIP client over the protocol chosen with
// --predictor-protocol, and what the predictor's failures become for the transformer's callers.
import { Code, Metadata, RpcError } from "weir";
import { createOipGrpcClient, createOipRestClient, type OipClient } from "weir/serving";

/** KServe's names: `v2` OIP REST with JSON tensors, `v2-binary` with Triton's binary tensors, `grpc-v2` OIP gRPC with raw contents. */
export const PREDICTOR_PROTOCOLS = ["v2", "v2-binary", "grpc-v2"] as const;
export type PredictorProtocol = (typeof PREDICTOR_PROTOCOLS)[number];

export function isPredictorProtocol(s: string): s is PredictorProtocol {
  return (PREDICTOR_PROTOCOLS as readonly string[]).includes(s);
}

/** At most `max` characters of `text` (an error message quoting a caller's or a peer's words). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** `host:port` for a URL or a gRPC target (an IPv6 host in brackets). */
export function authority(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * An OIP client of the predictor. Over gRPC a failed connection is tried again after at most 2 s
 * (gRPC's default backoff grows to 2 minutes, which would keep a restarted predictor out of
 * reach that long); calls made meanwhile fail at once with UNAVAILABLE.
 */
export function predictorClient(protocol: PredictorProtocol, host: string, port: number, timeoutMs: number): OipClient {
  if (protocol === "grpc-v2") {
    return createOipGrpcClient({ target: authority(host, port), timeoutMs, grpc: { connectTimeoutMs: Math.min(timeoutMs, 5_000), backoff: { initialMs: 100, maxMs: 2_000 } } });
  }
  return createOipRestClient({ baseUrl: `http://${authority(host, port)}`, binary: protocol === "v2-binary", timeoutMs });
}

const RETRY_AFTER_S = "1";

/**
 * A failure of a predictor call as the transformer answers it: the predictor out of reach 503
 * and overloaded 429, both with `Retry-After`; its refusal of the input 400; no such model 404;
 * no answer in time 504; anything else 500 naming the predictor. The predictor's message is kept,
 * clipped.
 */
export function predictorError(e: unknown, predictor: string, model: string): RpcError {
  const err = RpcError.from(e, Code.Internal);
  const why = clip(err.rawMessage, 300);
  const retry = (): Metadata => new Metadata({ "retry-after": err.metadata.getString("retry-after") ?? RETRY_AFTER_S });
  switch (err.code) {
    case Code.Unavailable:
      return new RpcError(Code.Unavailable, `the predictor at ${predictor} is unavailable: ${why}`, { metadata: retry(), cause: err });
    case Code.ResourceExhausted:
      return new RpcError(Code.ResourceExhausted, `the predictor at ${predictor} is overloaded: ${why}`, { metadata: retry(), cause: err });
    case Code.InvalidArgument: case Code.OutOfRange: case Code.FailedPrecondition:
      return new RpcError(Code.InvalidArgument, `the predictor refused the input: ${why}`, { cause: err });
    case Code.NotFound:
      return new RpcError(Code.NotFound, `the predictor at ${predictor} has no model ${model}: ${why}`, { cause: err });
    case Code.DeadlineExceeded:
      return new RpcError(Code.DeadlineExceeded, `the predictor at ${predictor} did not answer in time: ${why}`, { cause: err });
    case Code.Canceled:
      return err;
    default:
      return new RpcError(Code.Internal, `the predictor at ${predictor} failed: ${clip(err.message, 300)}`, { cause: err });
  }
}
