import type { IncomingMessage } from "node:http";
import type { Metadata } from "../core/index.js";
import type { CallOptions } from "../rpc/index.js";
import { metadataFrom, timeoutFrom } from "./http-io.js";
import { readJsonBody } from "./json-input.js";
import type { GatewayContext, HttpInput, ResolvedGatewayOptions } from "./types.js";

/**
 * The context of one request. Building it reads the forwarded headers and the timeout header,
 * and throws RpcError INVALID_ARGUMENT when they are malformed.
 * @internal
 */
export class RequestContext implements GatewayContext {
  readonly url: URL;
  readonly metadata: Metadata;
  readonly timeoutMs: number | undefined;
  private body: Promise<unknown> | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly params: Readonly<Record<string, string>>,
    readonly signal: AbortSignal,
    readonly options: ResolvedGatewayOptions,
    routeTimeoutMs: number | undefined,
  ) {
    this.url = new URL(req.url ?? "/", "http://gateway.invalid");
    this.metadata = metadataFrom(req.headers, options.forwardHeaders, options.metadataPrefix);
    this.timeoutMs = timeoutFrom(req.headers, options.timeoutHeader, options.maxTimeoutMs) ?? routeTimeoutMs;
  }

  callOptions(): CallOptions {
    return { signal: this.signal, metadata: this.metadata, timeoutMs: this.timeoutMs ?? this.options.defaultStreamTimeoutMs };
  }

  readJson(): Promise<unknown> {
    return (this.body ??= readJsonBody(this.req, this.options.maxBodyBytes, this.options.maxJsonDepth));
  }

  /** What a route's `request` function gets; GET and HEAD requests have no body. */
  async input(): Promise<HttpInput> {
    const m = this.req.method;
    const body = m === "GET" || m === "HEAD" || m === "DELETE" ? undefined : await this.readJson();
    return { body, query: this.url.searchParams, params: this.params, headers: this.req.headers };
  }
}
