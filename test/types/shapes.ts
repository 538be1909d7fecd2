// One method of each kind, shared by the handler and client type tests.
import type { BidiStreamMethod, ClientStreamMethod, ServerStreamMethod, UnaryMethod } from "weir";

export interface Req { n: number }
export interface Res { total: number }
export type Methods = {
  Add: UnaryMethod<Req, Res>;
  Count: ServerStreamMethod<Req, Res>;
  Sum: ClientStreamMethod<Req, Res>;
  Running: BidiStreamMethod<Req, Res>;
};
