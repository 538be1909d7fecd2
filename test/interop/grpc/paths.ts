import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const RELATIVE = path.join("test", "interop", "grpc", "proto");

/**
 * The folder that holds `grpc/testing/*.proto`, found by walking up from this file, so the
 * programs work both from `test/` and compiled under `dist/test/`.
 */
export function protoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, RELATIVE);
    if (existsSync(path.join(candidate, "grpc", "testing", "test.proto"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find ${RELATIVE} above ${fileURLToPath(import.meta.url)}`);
}

/** The interop suite's service file, relative to `protoRoot()`. */
export const TEST_PROTO = "grpc/testing/test.proto";

/** The folder holding this suite's sources (the python peers live there). */
export function suiteDir(): string {
  return path.dirname(protoRoot());
}
