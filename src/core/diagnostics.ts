import { channel } from "node:diagnostics_channel";

/** Diagnostics channels (`weir:<layer>:<event>`); observability/ subscribes, publishers check hasSubscribers. */
export const channels = {
  serverCallStart: channel("weir:rpc:server-call-start"),
  serverCallEnd: channel("weir:rpc:server-call-end"),
  clientCallStart: channel("weir:rpc:client-call-start"),
  clientCallEnd: channel("weir:rpc:client-call-end"),
  transportError: channel("weir:transport:error"),
} as const;
