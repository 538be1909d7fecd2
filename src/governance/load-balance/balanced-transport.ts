import { Code, RpcError } from "../../core/index.js";
import type { Call, ClientCallContext, ClientTransport } from "../../rpc/index.js";
import { returnsStream } from "../../rpc/index.js";
import { CircuitBreaker, resolveCircuitBreakerOptions, type CircuitBreakerOptions, type ResolvedCircuitBreakerOptions } from "../circuit-breaker/breaker.js";
import type { Resolver, Watch } from "../discovery/resolver.js";
import { AVOID_INSTANCES, PICKED_INSTANCE, tagInstance } from "../keys.js";
import { inAttempt } from "../context.js";
import { completion, track, type Completion } from "../stream-util.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";
import type { Endpoint } from "../discovery/endpoint.js";
import type { Balancer, Picker } from "./balancer.js";

/**
 * Options of `createBalancedTransport()`.
 *
 * @example
 * createBalancedTransport({
 *   resolver: registry.resolver("chat"),
 *   balancer: powerOfTwoChoices(),
 *   connect: (ep) => createGrpcTransport({ target: ep.address, connectTimeoutMs: 50 }),
 * })
 */
export interface BalancedTransportOptions {
  /** Where the instances are. */
  resolver: Resolver;
  /** Opens a transport to one instance (e.g. `createGrpcTransport({ target: address })`); called once per address. */
  connect: (endpoint: Endpoint) => ClientTransport;
  /** Default `weightedRoundRobin()`. */
  balancer?: Balancer;
  /**
   * Per-instance circuit breakers: an instance whose breaker is open is not picked. Default on,
   * counting only UNAVAILABLE (connection failures, as Kitex's instance breaker); `false` turns them off.
   */
  breaker?: CircuitBreakerOptions | false;
  /** Name for `ctx.peer` and errors. Default "balanced:<resolver name>". */
  target?: string;
  /** Protocol name for contexts. Default "grpc". */
  protocol?: string;
  /** Longest wait of a call for the resolver's first list. Default 5000 ms (bounded by the call's deadline). */
  firstListTimeoutMs?: number;
  /** How long the transport of a removed instance stays open for its calls in flight. Default 10_000 ms. */
  drainMs?: number;
  /** Resolver errors (the last good list stays in use). */
  onResolveError?: (err: RpcError) => void;
}

interface Instance {
  endpoint: Endpoint;
  readonly transport: ClientTransport;
  readonly breaker: CircuitBreaker | undefined;
  active: number;
  removed: boolean;
  done: Completion;
  drainTimer?: NodeJS.Timeout;
}

/** A balanced transport, with the instances it knows. */
export interface BalancedTransport extends ClientTransport {
  /** The instances in use now. */
  endpoints(): readonly Endpoint[];
  /** The breaker of an instance, if breakers are on. */
  breaker(address: string): CircuitBreaker | undefined;
  /** Resolves once the resolver has given a first list. */
  ready(): Promise<void>;
}

const INSTANCE_BREAKER: CircuitBreakerOptions = { isFailure: (e) => e.code === Code.Unavailable };

/**
 * A client transport over many instances of one service: keeps one transport per instance (made
 * by `connect`), follows the resolver's list without restarting, picks an instance per call with
 * the balancer, skips instances whose circuit breaker is open, and honours a retry's wish to try
 * another instance than the last.
 */
export function createBalancedTransport(options: BalancedTransportOptions): BalancedTransport {
  return new Balanced(options);
}

class Balanced implements BalancedTransport {
  readonly protocol: string;
  readonly target: string;
  private readonly balancer: Balancer;
  private readonly breakerOptions: ResolvedCircuitBreakerOptions | undefined;
  private readonly instances = new Map<string, Instance>();
  private picker: Picker;
  private readonly watch: Watch;
  private first: Promise<void>;
  private gotFirst!: () => void;
  private closed = false;
  private readonly skipOpen = (e: Endpoint): boolean => this.instances.get(e.address)?.breaker?.canPass() === false;

  constructor(private readonly o: BalancedTransportOptions) {
    this.balancer = o.balancer ?? weightedRoundRobin();
    this.protocol = o.protocol ?? "grpc";
    this.target = o.target ?? `balanced:${o.resolver.name}`;
    this.breakerOptions = o.breaker === false ? undefined : resolveCircuitBreakerOptions({ ...INSTANCE_BREAKER, ...o.breaker });
    this.picker = this.balancer.build([]);
    this.first = new Promise((resolve) => { this.gotFirst = resolve; });
    this.watch = o.resolver.watch((eps) => this.update(eps), (err) => o.onResolveError?.(err));
  }

  endpoints(): readonly Endpoint[] {
    return [...this.instances.values()].filter((i) => !i.removed).map((i) => i.endpoint);
  }

  breaker(address: string): CircuitBreaker | undefined {
    return this.instances.get(address)?.breaker;
  }

  ready(): Promise<void> {
    return this.first;
  }

  call(call: Call<ClientCallContext>): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(Code.Unavailable, `${this.target}: the transport is closed`));
    if (this.gotFirst !== noop) return this.waitFirst(call).then(() => this.call(call));
    const attempt = inAttempt(call.ctx);
    const inst = this.choose(call.ctx, attempt);
    if (inst instanceof RpcError) return Promise.reject(inst);
    const address = inst.endpoint.address;
    if (attempt) call.ctx.values.set(PICKED_INSTANCE, address); // a hedge started next avoids it
    inst.active++;
    this.balancer.onCallStart?.(address);
    let p: Promise<unknown>;
    try { p = inst.transport.call(call); } catch (e) { p = Promise.reject(e); }
    return track(p, returnsStream(call.method), inst.done);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watch.close();
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((i) => { clearTimeout(i.drainTimer); return i.transport.close(); }));
  }

  /** An instance for this call, or the UNAVAILABLE error that says why there is none. */
  private choose(ctx: ClientCallContext, attempt: boolean): Instance | RpcError {
    const avoid = attempt ? (ctx.values.get(AVOID_INSTANCES) as readonly string[] | undefined) : undefined;
    // first without looking at breakers (they are almost always closed); after a refusal, skip open ones
    let skip: ((e: Endpoint) => boolean) | undefined;
    for (let tries = 0; tries < 3; tries++) {
      let ep: Endpoint | undefined;
      if (avoid !== undefined) ep = this.picker.pick(ctx, (e) => avoid.includes(e.address) || this.skipOpen(e));
      ep ??= this.picker.pick(ctx, skip);
      if (ep === undefined) return this.noInstance();
      const inst = this.instances.get(ep.address)!;
      if (inst.breaker === undefined || inst.breaker.acquire() === undefined) return inst;
      skip = this.skipOpen;
    }
    return this.noInstance();
  }

  private noInstance(): RpcError {
    const n = this.endpoints().length;
    if (n === 0) return new RpcError(Code.Unavailable, `${this.target}: no instances`);
    return new RpcError(Code.Unavailable, `${this.target}: circuit breaker open for every instance (${n}); failing fast`);
  }

  private ended(inst: Instance, err: RpcError | undefined): void {
    inst.active--;
    this.balancer.onCallEnd?.(inst.endpoint.address);
    inst.breaker?.record(err);
    if (inst.removed && inst.active === 0) this.retire(inst);
  }

  private waitFirst(call: Call<ClientCallContext>): Promise<void> {
    const left = call.ctx.timeRemaining();
    const ms = Math.min(this.o.firstListTimeoutMs ?? 5000, left ?? Infinity);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new RpcError(Code.Unavailable, `${this.target}: no instance list from ${this.o.resolver.name} within ${Math.round(ms)}ms`)), ms);
      this.first.then(() => { clearTimeout(timer); resolve(); });
    });
  }

  private update(list: readonly Endpoint[]): void {
    if (this.closed) return;
    const seen = new Set<string>();
    for (const ep of list) {
      seen.add(ep.address);
      const inst = this.instances.get(ep.address);
      if (inst === undefined) this.instances.set(ep.address, this.open(ep));
      else {
        inst.endpoint = ep;
        if (inst.removed) { inst.removed = false; clearTimeout(inst.drainTimer); }
      }
    }
    for (const inst of this.instances.values()) if (!seen.has(inst.endpoint.address) && !inst.removed) this.remove(inst);
    this.picker = this.balancer.build(this.endpoints());
    if (this.gotFirst !== noop) { const g = this.gotFirst; this.gotFirst = noop; g(); }
  }

  private open(ep: Endpoint): Instance {
    const breaker = this.breakerOptions === undefined ? undefined : new CircuitBreaker(`instance ${ep.address}`, this.breakerOptions);
    const inst: Instance = { endpoint: ep, transport: this.o.connect(ep), breaker, active: 0, removed: false, done: undefined! };
    const done = completion((err) => this.ended(inst, err));
    // failures name their instance, so that a retry can go elsewhere
    inst.done = { ...done, fail: (e) => { const err = RpcError.from(e); tagInstance(err, ep.address); return done.fail(err); } };
    return inst;
  }

  /** Stop picking an instance; close it when its calls end (or after `drainMs`). */
  private remove(inst: Instance): void {
    inst.removed = true;
    if (inst.active === 0) return this.retire(inst);
    inst.drainTimer = setTimeout(() => this.retire(inst), this.o.drainMs ?? 10_000);
    inst.drainTimer.unref();
  }

  private retire(inst: Instance): void {
    clearTimeout(inst.drainTimer);
    if (this.instances.get(inst.endpoint.address) === inst && inst.removed) {
      this.instances.delete(inst.endpoint.address);
      void inst.transport.close().catch(() => {});
    }
  }
}

function noop(): void {}
