import { fileURLToPath } from "node:url";
import { loadProtoSync, type BidiStreamMethod, type ClientStreamMethod, type ServerStreamMethod, type ServiceImpl, type UnaryMethod } from "weir";

export interface HelloRequest { name: string }
export interface HelloReply { message: string }

/** Typed without codegen: the type parameter names each method's kind and messages. */
export type GreeterMethods = {
  SayHello: UnaryMethod<HelloRequest, HelloReply>;
  StreamHello: ServerStreamMethod<HelloRequest, HelloReply>;
  GreetAll: ClientStreamMethod<HelloRequest, HelloReply>;
  Chat: BidiStreamMethod<HelloRequest, HelloReply>;
};

const protoPath = fileURLToPath(new URL("../../../examples/greeter/greeter.proto", import.meta.url));
export const Greeter = loadProtoSync(protoPath).service<GreeterMethods>("weir.examples.greeter.Greeter");

export const greeterImpl: ServiceImpl<GreeterMethods> = {
  SayHello: (req) => ({ message: `Hello, ${req.name || "world"}!` }),
  async *StreamHello(req, ctx) {
    for (const word of ["Hello", "to", "you,", `${req.name || "world"}!`]) {
      if (ctx.signal.aborted) return;
      yield { message: word };
    }
  },
  async GreetAll(reqs) {
    const names: string[] = [];
    for await (const r of reqs) names.push(r.name);
    return { message: `Hello, ${names.join(" and ") || "nobody"}!` };
  },
  async *Chat(reqs) {
    for await (const r of reqs) yield { message: `Hello, ${r.name}!` };
  },
};
