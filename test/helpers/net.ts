/** Network helpers for tests: loopback only. */
import { once } from "node:events";
import net from "node:net";

/** A loopback port that was free a moment ago (bound to 0, read, released): for "nobody listens here". */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening", { signal: AbortSignal.timeout(5000) });
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
