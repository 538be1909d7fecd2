export { timeout, type TimeoutOptions } from "./rpc-timeout.js";
export { streamIdleTimeout, type StreamIdleOptions } from "./stream-idle.js";
export { downstream, PERSISTENT_PREFIXES } from "./propagate.js";
