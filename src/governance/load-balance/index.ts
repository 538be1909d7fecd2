export type { Balancer, Picker } from "./balancer.js";
export { DEFAULT_WEIGHT, toEndpoint, type Endpoint } from "../discovery/endpoint.js";
export { weightedRoundRobin } from "./weighted-round-robin.js";
export { powerOfTwoChoices } from "./power-of-two.js";
export { consistentHash, type ConsistentHashOptions } from "./consistent-hash.js";
export { createBalancedTransport, type BalancedTransport, type BalancedTransportOptions } from "./balanced-transport.js";
