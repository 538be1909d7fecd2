import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root, found from this file's place in `dist/bench/lib/`. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Where result files go unless `--out` says otherwise. */
export const RESULTS_DIR = path.join(REPO_ROOT, "bench", "results");

/** The echo service every gRPC benchmark uses. */
export const ECHO_PROTO = path.join(REPO_ROOT, "bench", "proto", "echo.proto");

/** A compiled program next to this library, e.g. `programPath("grpc/servers/server-main.js")`. */
export function programPath(relativeToDistBench: string): string {
  return fileURLToPath(new URL(`../${relativeToDistBench}`, import.meta.url));
}
