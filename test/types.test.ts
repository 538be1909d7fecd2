// The public types as users see them: test/types/*.ts import "weir", "weir/grpc", … (resolved through
// package.json exports to the built declarations) and must type-check, including every
// `@ts-expect-error` line, which proves a wrong usage is refused.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));

it("type-checks the typed usage files of test/types", { timeout: 120_000 }, async () => {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const run = promisify(execFile)(process.execPath, [tsc, "-p", path.join(root, "test", "types", "tsconfig.json")], { cwd: root, timeout: 110_000 });
  const out = await run.then((r) => r.stdout, (e: { stdout?: string; message: string }) => e.stdout || e.message);
  assert.equal(out.trim(), "", "tsc reports no error");
});
