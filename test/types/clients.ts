// Client call shapes by method kind: unary -> Promise, server stream -> AsyncIterable, client stream
// takes any (async) iterable -> Promise, bidi takes one and returns an AsyncIterable.
import { Code, createClient, createInProcessTransport, createServer, RpcError, type CallOptions, type Client, type Middleware, type ServiceDescriptor } from "weir";
import type { Methods, Req, Res } from "./shapes.js";
import { retry, timeout } from "weir/governance";

declare const Calc: ServiceDescriptor<Methods>;

const logging: Middleware = (next) => async (call) => {
  try { return await next(call); } catch (e) { throw RpcError.from(e, Code.Internal); }
};
const calc: Client<Methods> = createClient(Calc, createInProcessTransport(createServer().router), { middleware: [logging, timeout({ timeoutMs: 1000 }), retry()] });
const options: CallOptions = { timeoutMs: 500, metadata: { "x-user": "ada" }, signal: AbortSignal.timeout(1000) };

export async function calls(): Promise<number> {
  const one: Res = await calc.Add({ n: 1 }, options);
  let total = one.total;
  for await (const r of calc.Count({ n: 3 })) total += r.total;
  total += (await calc.Sum([{ n: 1 }, { n: 2 }])).total;
  async function* reqs() { yield { n: 1 }; }
  total += (await calc.Sum(reqs())).total;
  for await (const r of calc.Running(reqs())) total += r.total;
  return total;
}

// @ts-expect-error a unary call takes one request, not a stream
calc.Add([{ n: 1 }]);
// @ts-expect-error a server stream is iterated, not awaited for a response
export const notPromise: Promise<Res> = calc.Count({ n: 1 });
// @ts-expect-error a client stream takes an iterable of requests
calc.Sum({ n: 1 });
// @ts-expect-error a bidi call returns a stream
export const notOne: Promise<Res> = calc.Running([{ n: 1 }]);
// @ts-expect-error call options are checked
calc.Add({ n: 1 }, { timeout: 5 });
