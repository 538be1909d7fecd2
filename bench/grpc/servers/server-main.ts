/**
 * A server child process: `node server-main.js <raw|grpcjs|weir>`. Prints one JSON line
 * `{"port": N}` once listening; exits on SIGTERM (after closing, so `--cpu-prof` writes its profile)
 * or when its stdin closes (the harness went away).
 */
import { startGrpcJsServer } from "./grpcjs-server.js";
import { startRawServer } from "./raw-server.js";
import type { BenchServer, StartServer } from "./types.js";
import { startWeirServer } from "./weir-server.js";

const SERVERS: Record<string, StartServer> = { raw: startRawServer, grpcjs: startGrpcJsServer, weir: startWeirServer };
const CLOSE_GRACE_MS = 2000;

async function main(): Promise<void> {
  const impl = process.argv[2] ?? "";
  const start = SERVERS[impl];
  if (!start) throw new Error(`unknown server "${impl}"; expected one of ${Object.keys(SERVERS).join(", ")}`);
  const server = await start();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void closeWithin(server, CLOSE_GRACE_MS).then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
}

function closeWithin(server: BenchServer, ms: number): Promise<void> {
  const timer = new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  return Promise.race([server.close().catch(() => {}), timer]);
}

main().catch((e: unknown) => {
  process.stderr.write(`server-main: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
