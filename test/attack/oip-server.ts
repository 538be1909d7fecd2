// The OIP endpoints with the example models in a process of their own, for attack tests:
// `node oip-server.js [bufferedMiB]` prints `ready <httpPort> <grpcPort>`, then `buffered <bytes>`
// (the REST byte budget in use) every 100 ms.
import { startOipServers } from "../../src/serving/oip/test-servers.js";

const bufferedMiB = Number(process.argv[2] ?? 256);
const s = await startOipServers({
  grpc: { limits: { maxReceiveMessageBytes: 64 << 20, maxSendMessageBytes: 64 << 20 } },
  oip: { rest: { maxBufferedBytes: bufferedMiB << 20 } },
});
process.stdout.write(`ready ${s.httpPort} ${s.grpcPort}\n`);
const report = setInterval(() => process.stdout.write(`buffered ${s.oip.restBufferedBytes()}\n`), 100);
process.once("SIGTERM", () => {
  clearInterval(report);
  void s.close().then(() => process.exit(0));
});
