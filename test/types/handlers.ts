// Handler shapes by method kind: unary returns a value or a promise, a server stream is an async
// generator, a client stream reads an AsyncIterable and returns one response, bidi does both.
import {
  outgoing, type BidiStreamHandler, type ClientStreamHandler, type HandlerOf, type ServerCallContext, type ServerStreamHandler,
  type ServiceImpl, type UnaryHandler,
} from "weir";
import type { Methods, Req, Res } from "./shapes.js";

export const unary: UnaryHandler<Req, Res> = (req) => ({ total: req.n });
export const unaryAsync: UnaryHandler<Req, Res> = async (req, ctx) => {
  ctx.responseHeaders.set("x-served-by", "a");
  return outgoing({ total: req.n }, { compress: false });
};
export const serverStream: ServerStreamHandler<Req, Res> = async function* (req, ctx) {
  for (let i = 0; i < req.n && !ctx.signal.aborted; i++) yield { total: i };
};
export const clientStream: ClientStreamHandler<Req, Res> = async (reqs) => {
  let total = 0;
  for await (const r of reqs) total += r.n;
  return { total };
};
export const bidi: BidiStreamHandler<Req, Res> = async function* (reqs) {
  let total = 0;
  for await (const r of reqs) yield { total: (total += r.n) };
};

// @ts-expect-error a server stream yields, it does not return one value
export const notStream: ServerStreamHandler<Req, Res> = async (req: Req) => ({ total: req.n });
// @ts-expect-error a client stream gets an AsyncIterable, not one request
export const notIterable: ClientStreamHandler<Req, Res> = async (req: Req) => ({ total: req.n });
// @ts-expect-error the response type is checked
export const wrongResponse: UnaryHandler<Req, Res> = () => ({ sum: 1 });
// @ts-expect-error a stream must yield responses
export const wrongYield: BidiStreamHandler<Req, Res> = async function* () { yield "text"; };

export const impl: ServiceImpl<Methods> = { Add: unary, Count: serverStream, Sum: clientStream, Running: bidi };
export const chosen: HandlerOf<Methods["Count"]> = serverStream;
// @ts-expect-error each method gets the handler of its kind
export const swapped: ServiceImpl<Methods> = { Add: serverStream };
export function signalOf(ctx: ServerCallContext): AbortSignal { return ctx.signal; }
