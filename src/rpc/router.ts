import { Code, RpcError } from "../core/index.js";
import type { MethodDescriptor, MethodMap, ServiceDescriptor } from "../idl/descriptor.js";
import type { ServerCallContext } from "./context.js";
import type { AnyHandler, ServiceImpl } from "./handler.js";
import { compose, type Call, type Middleware, type Next } from "./middleware.js";

/** One routable method: its descriptor and the handler wrapped in the server's middleware. */
export interface Route {
  readonly method: MethodDescriptor;
  readonly service: ServiceDescriptor;
  /** Runs middleware then the handler; see `Call` for the shapes of request and result. */
  readonly invoke: Next<ServerCallContext>;
}

export interface RouterOptions {
  /** Server middleware, outermost first, applied to every method. */
  middleware?: readonly Middleware<ServerCallContext>[];
}

export interface ServiceOptions {
  /** Middleware for this service only, inside the server's. */
  middleware?: readonly Middleware<ServerCallContext>[];
}

/**
 * Many services on one server: routes by gRPC path (`/pkg.Service/Method`) and by
 * (service, method) name for protocols that carry them separately (Thrift, TTHeader).
 */
export class Router {
  private readonly byPath = new Map<string, Route>();
  private readonly serviceList: ServiceDescriptor[] = [];
  private readonly middleware: readonly Middleware<ServerCallContext>[];

  constructor(options: RouterOptions = {}) {
    this.middleware = options.middleware ?? [];
  }

  /** Register a service implementation. Methods missing from `impl` answer UNIMPLEMENTED. */
  service<M extends MethodMap>(service: ServiceDescriptor<M>, impl: ServiceImpl<M>, options: ServiceOptions = {}): this {
    if (this.serviceList.some((s) => s.name === service.name)) {
      throw new RpcError(Code.AlreadyExists, `service ${service.name} is already registered`);
    }
    const mws = [...this.middleware, ...(options.middleware ?? [])];
    for (const name of Object.keys(service.methods)) {
      const method = service.methods[name]!;
      const handler = (impl as Record<string, AnyHandler | undefined>)[name];
      if (typeof handler !== "function") continue;
      const inner: Next<ServerCallContext> = (call: Call<ServerCallContext>) => invokeHandler(handler, call);
      const invoke = mws.length === 0 ? inner : compose(mws, inner);
      this.byPath.set(method.path, Object.freeze({ method, service, invoke }));
    }
    this.serviceList.push(service);
    return this;
  }

  /** The route for a gRPC path, or undefined (the transport answers UNIMPLEMENTED). */
  lookup(path: string): Route | undefined {
    return this.byPath.get(path);
  }

  /** The route for a service and method name, as Thrift-family protocols carry them. */
  lookupMethod(serviceName: string, methodName: string): Route | undefined {
    return this.byPath.get(`/${serviceName}/${methodName}`);
  }

  /** Registered services, in registration order. */
  services(): readonly ServiceDescriptor[] {
    return this.serviceList;
  }

  hasService(name: string): boolean {
    return this.serviceList.some((s) => s.name === name);
  }
}

function invokeHandler(handler: AnyHandler, call: Call<ServerCallContext>): Promise<unknown> {
  try {
    const result = handler(call.request, call.ctx);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (e) {
    return Promise.reject(e);
  }
}
