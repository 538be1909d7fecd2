/** One instance of a service: where it listens and how much traffic it should get. */
export interface Endpoint {
  /** `host:port` (what the transport factory connects to). */
  readonly address: string;
  /** Relative share of traffic, > 0. Default 10 where an endpoint is made from a bare address. */
  readonly weight: number;
  /** Labels from discovery (zone, version, …). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Default weight of an endpoint given without one (as Kitex). */
export const DEFAULT_WEIGHT = 10;

/** An endpoint from `host:port` or an endpoint object, with the default weight filled in. */
export function toEndpoint(e: string | Endpoint): Endpoint {
  if (typeof e === "string") return Object.freeze({ address: e, weight: DEFAULT_WEIGHT });
  if (!(e.weight > 0) || !Number.isFinite(e.weight)) return Object.freeze({ ...e, weight: DEFAULT_WEIGHT });
  return e;
}
