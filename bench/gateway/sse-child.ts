/**
 * SSE writer vs a bare node:http SSE loop, in one server process: `GET /writer?n=N` writes N
 * events with Weir's SseWriter (`write`, and `drained()` when it says the socket is behind);
 * `GET /raw?n=N` writes the same bytes with `res.write` and 'drain', formatting each event as it goes
 * (as a loop over tokens would). Prints `{"port": N}`.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SseWriter, sseHeaders } from "../../src/http/index.js";

/** A token-sized chunk, as a gateway sends them. */
const SSE_PAYLOAD = JSON.stringify({ text: " river", tokenIds: [15140], finishReason: "", index: 12345 });

async function writer(res: http.ServerResponse, n: number): Promise<void> {
  const sse = new SseWriter(res, { keepAliveMs: 0 });
  const event = { data: SSE_PAYLOAD };
  for (let i = 0; i < n; i++) if (!sse.write(event)) await sse.drained();
  sse.end();
}

async function raw(res: http.ServerResponse, n: number): Promise<void> {
  res.writeHead(200, sseHeaders(res.req.httpVersion));
  res.flushHeaders();
  for (let i = 0; i < n; i++) if (!res.write("data: " + SSE_PAYLOAD + "\n\n")) await once(res, "drain");
  res.end();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  const n = Number(url.searchParams.get("n") ?? 1000);
  const run = url.pathname === "/writer" ? writer : url.pathname === "/raw" ? raw : undefined;
  if (!run) return void res.writeHead(404).end();
  run(res, n).catch(() => res.destroy());
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
