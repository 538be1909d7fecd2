import { Code, RpcError, clip } from "../../core/index.js";
import { loadProtoSync } from "../../codec/protobuf/index.js";
import type { ServiceDescriptor, UnaryMethod, ServerStreamMethod } from "../../idl/descriptor.js";
import type { ServerCallContext } from "../context.js";
import type { ServiceImpl } from "../handler.js";
import { bundledProto } from "./proto-file.js";

/** Serving status of a service, as `grpc.health.v1.HealthCheckResponse.ServingStatus` names it. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const STATUS_NUMBER: Readonly<Record<ServingStatus, number>> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };

interface CheckRequest { service?: string }
interface CheckResponse { status: number }
interface ListResponse { statuses: Record<string, CheckResponse> }

export type HealthMethods = {
  Check: UnaryMethod<CheckRequest, CheckResponse>;
  List: UnaryMethod<Record<string, never>, ListResponse>;
  Watch: ServerStreamMethod<CheckRequest, CheckResponse>;
};

let descriptor: ServiceDescriptor<HealthMethods> | undefined;

/** The `grpc.health.v1.Health` descriptor, loaded once from Weir's bundled health.proto. */
export function healthDescriptor(): ServiceDescriptor<HealthMethods> {
  return (descriptor ??= loadProtoSync(bundledProto("grpc/health/v1/health.proto")).service<HealthMethods>("grpc.health.v1.Health"));
}

/** List answers at most this many services, as the health protocol prescribes. */
const LIST_LIMIT = 100;

/**
 * The standard gRPC health service (`grpc.health.v1.Health`: Check, List, Watch). The empty
 * name `""` stands for the whole server. `createServer` registers one and marks every service
 * SERVING as it is added; set statuses yourself with `setStatus`.
 *
 * @example
 * server.health.setStatus("my.pkg.Search", "NOT_SERVING"); // e.g. while an index rebuilds
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private changed = deferred();
  private closed = false;

  readonly descriptor = healthDescriptor();

  /** Set a service's status (`""` for the server); watchers of it see the change. */
  setStatus(service: string, status: ServingStatus): void {
    if (!(status in STATUS_NUMBER)) throw new RpcError(Code.InvalidArgument, `unknown serving status "${status}"`);
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.notify();
  }

  /** A service's status, or undefined when it has none. */
  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Forget a service: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN. */
  clearStatus(service: string): void {
    if (this.statuses.delete(service)) this.notify();
  }

  /** Server shutdown: every status becomes NOT_SERVING, then every Watch call ends. */
  shutdown(): void {
    for (const name of this.statuses.keys()) this.statuses.set(name, "NOT_SERVING");
    this.closed = true;
    this.notify();
  }

  /** The handlers, for `router.service(health.descriptor, health.impl)`. */
  readonly impl: ServiceImpl<HealthMethods> = {
    Check: (req) => {
      const name = req.service ?? "";
      const status = this.statuses.get(name);
      if (status === undefined) throw new RpcError(Code.NotFound, `unknown service "${clip(name)}"`);
      return { status: STATUS_NUMBER[status] };
    },
    List: () => {
      if (this.statuses.size > LIST_LIMIT) {
        throw new RpcError(Code.ResourceExhausted, `${this.statuses.size} services have a status; List answers at most ${LIST_LIMIT}`);
      }
      const statuses: Record<string, CheckResponse> = {};
      for (const [name, status] of this.statuses) statuses[name] = { status: STATUS_NUMBER[status] };
      return { statuses };
    },
    Watch: (req, ctx) => this.watch(req.service ?? "", ctx),
  };

  private async *watch(name: string, ctx: ServerCallContext): AsyncGenerator<CheckResponse> {
    const aborted = new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    let last = this.statuses.get(name) ?? "SERVICE_UNKNOWN";
    yield { status: STATUS_NUMBER[last] };
    while (!this.closed && !ctx.signal.aborted) {
      await Promise.race([this.changed.promise, aborted]);
      const now = this.statuses.get(name) ?? "SERVICE_UNKNOWN";
      if (now !== last && !ctx.signal.aborted) {
        last = now;
        yield { status: STATUS_NUMBER[now] };
      }
    }
  }

  private notify(): void {
    const old = this.changed;
    this.changed = deferred();
    old.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
