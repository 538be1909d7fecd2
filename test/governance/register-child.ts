// A process that registers one instance in etcd and waits to be killed (etcd tests and the chaos
// example). Usage: node register-child.js <etcd url> <service> <address>
import { etcdRegistry } from "../../src/governance/index.js";

const [url, service, address] = process.argv.slice(2);
const registry = await etcdRegistry({ hosts: url!, ttlSec: 2 });
await registry.register({ service: service!, address: address! });
process.stdout.write("registered\n");
setInterval(() => {}, 60_000);
