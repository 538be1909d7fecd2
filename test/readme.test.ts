// The README's example is code users copy: run it exactly as written (imports of "weir" resolve to
// this package through its own exports map) and check what it prints.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));

function exampleBlock(readme: string): string {
  const section = readme.slice(readme.indexOf("## A short example"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, "README has a ```ts block under 'A short example'");
  return match[1]!;
}

describe("README", () => {
  it("runs the short example as written", { timeout: 60_000 }, async () => {
    const source = exampleBlock(await readFile(path.join(root, "README.md"), "utf8"));
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    // Inside the package folder, so that `import "weir"` resolves to this package (self-reference).
    const dir = await mkdtemp(path.join(root, "dist", "readme-"));
    const file = path.join(dir, "example.mjs");
    await writeFile(file, js);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        cwd: path.join(root, "examples", "greeter"),
        timeout: 30_000,
      });
      const lines = stdout.trim().split("\n");
      assert.match(lines[0]!, /Hello, Ada!/);
      assert.deepEqual(lines.slice(1), ["Hello", "Ada"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
