// Calls every method of the example Greeter once and prints what comes back.
import { parseArgs } from "node:util";
import { createClient } from "weir";
import { createGrpcTransport } from "weir/grpc";
import { Greeter } from "./greeter.js";

const { values } = parseArgs({ options: { target: { type: "string", default: "127.0.0.1:50051" } } });
const transport = createGrpcTransport({ target: values.target! });
const greeter = createClient(Greeter, transport);
try {
  console.log("SayHello    →", (await greeter.SayHello({ name: "Ada" }, { timeoutMs: 2000 })).message);
  const words: string[] = [];
  for await (const r of greeter.StreamHello({ name: "Ada" })) words.push(r.message);
  console.log("StreamHello →", words.join(" "));
  console.log("GreetAll    →", (await greeter.GreetAll([{ name: "Ada" }, { name: "Grace" }])).message);
  for await (const r of greeter.Chat([{ name: "Alan" }, { name: "Barbara" }])) console.log("Chat        →", r.message);
} finally {
  await transport.close();
}
