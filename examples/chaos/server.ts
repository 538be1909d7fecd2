// One instance of the chaos service, in its own process (so it can be killed): registers itself in
// etcd and answers after `baseMs` × the slow factor the parent sets over IPC.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError, type ServerCallContext } from "weir";
import { createServer } from "weir/grpc";
import { etcdRegistry, registerServer } from "weir/governance";
import { Chaos, STREAM_MESSAGES } from "./service.js";

const [etcdUrl, name, base] = process.argv.slice(2);
const baseMs = Number(base ?? 30);
let factor = 1;

async function work(ctx: ServerCallContext): Promise<void> {
  await sleep(baseMs * factor, undefined, { signal: ctx.signal }).catch(() => { throw RpcError.from(ctx.signal.reason, Code.Canceled); });
}

const server = createServer({ health: false, reflection: false, shutdownGraceMs: 1000 }).service(Chaos, {
  async Ask(req, ctx) {
    await work(ctx);
    return { id: req.id ?? "", server: name ?? "" };
  },
  async *Stream(req, ctx) {
    await work(ctx);
    for (let i = 0; i < STREAM_MESSAGES; i++) yield { id: req.id ?? "", index: i, server: name ?? "" };
  },
});
await server.listen({ host: "127.0.0.1", port: 0 });
const registry = await etcdRegistry({ hosts: etcdUrl!, ttlSec: 2 });
const reg = await registerServer(server, registry, { service: "chaos" });
process.on("message", (m: { slow?: number; shutdown?: boolean }) => {
  if (m.slow !== undefined) factor = m.slow;
  if (m.shutdown) void reg.shutdown({ graceMs: 500 }).then(() => registry.close()).then(() => process.exit(0));
});
process.send!({ ready: reg.address });
