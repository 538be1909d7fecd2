import type { ServerStreamMethod, UnaryMethod } from "../../src/idl/descriptor.js";

/** bench.echo.EchoMessage as Weir's protobuf codec sees it. */
export interface EchoMessage { payload: Uint8Array }
/** bench.echo.StreamRequest. */
export interface StreamRequest { count: number; size: number }

/** The methods of bench.echo.Echo, for typed use of the loaded descriptor. */
export type EchoMethods = {
  Unary: UnaryMethod<EchoMessage, EchoMessage>;
  ServerStream: ServerStreamMethod<StreamRequest, EchoMessage>;
};
