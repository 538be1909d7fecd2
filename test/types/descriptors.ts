// A service loaded at run time from a .proto or .thrift file is typed by the method map given to
// `service<M>()`: servers check handlers against it and clients get typed calls.
import { createClient, createServer, loadProtoSync, type ServerStreamMethod, type ServiceDescriptor, type UnaryMethod } from "weir";
import { createGrpcTransport } from "weir/grpc";
import { generationDescriptor, type GenerateChunkMsg, type GenerationMethods } from "weir/serving";
import { loadThrift } from "weir/thrift";

interface HelloRequest { name: string }
interface HelloReply { message: string }
type GreeterMethods = {
  SayHello: UnaryMethod<HelloRequest, HelloReply>;
  StreamHello: ServerStreamMethod<HelloRequest, HelloReply>;
};

const Greeter = loadProtoSync("greeter.proto").service<GreeterMethods>("weir.examples.greeter.Greeter");
export const typed: ServiceDescriptor<GreeterMethods> = Greeter;
export const kind: "server" = Greeter.methods.StreamHello.kind;
// @ts-expect-error a unary method is not a server-streaming one
export const wrongKind: "server" = Greeter.methods.SayHello.kind;

type EchoMethods = { echo: UnaryMethod<{ text: string }, { text: string; count: number }> };
const Echo = loadThrift("echo.thrift").service<EchoMethods>("Echo");

createServer()
  .service(Greeter, { SayHello: (req) => ({ message: req.name }) })
  .service(Echo, { echo: ({ text }) => ({ text, count: text.length }) });

createServer().service(Echo, {
  // @ts-expect-error the response lacks `count`
  echo: ({ text }) => ({ text }),
});

createServer().service(Greeter, {
  // @ts-expect-error requests have `name`, not `nom`
  SayHello: (req) => ({ message: req.nom }),
});

createServer().service(Greeter, {
  // @ts-expect-error not a method of the service
  SayGoodbye: () => ({ message: "bye" }),
});

const transport = createGrpcTransport({ target: "127.0.0.1:9090" });
const greeter = createClient(Greeter, transport);
export const reply: Promise<HelloReply> = greeter.SayHello({ name: "ada" });
// @ts-expect-error the request type is checked
greeter.SayHello({ nom: "ada" });
// @ts-expect-error no such method
greeter.SayGoodbye({ name: "ada" });

// The shipped Generation service is typed without a type argument.
const llm = createClient(generationDescriptor(), transport);
export const chunks: AsyncIterable<GenerateChunkMsg> = llm.Generate({ prompt: "Once" });
export const methods: GenerationMethods = generationDescriptor().methods;
// @ts-expect-error Generate streams: it returns no promise
export const notUnary: Promise<GenerateChunkMsg> = llm.Generate({ prompt: "Once" });
