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
import { startServeProcess } from "./e2e/serve-process.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The first ```<lang> block under the heading `## <heading>`. */
function block(readme: string, heading: string, lang = "ts"): string {
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(section);
  assert.ok(match, `README has a \`\`\`${lang} block under '${heading}'`);
  return match[1]!;
}

/** Run TypeScript `source` as a module inside the package (so `import "weir"` resolves to it); its stdout. */
async function runTs(source: string, cwd: string): Promise<string> {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const dir = await mkdtemp(path.join(root, "dist", "readme-"));
  const file = path.join(dir, "example.mjs");
  await writeFile(file, js);
  try {
    return (await promisify(execFile)(process.execPath, [file], { cwd, timeout: 30_000 })).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("README", () => {
  it("runs the short example as written", { timeout: 60_000 }, async () => {
    const stdout = await runTs(block(await readFile(path.join(root, "README.md"), "utf8"), "A short example"), path.join(root, "examples", "greeter"));
    const lines = stdout.trim().split("\n");
    assert.match(lines[0]!, /Hello, Ada!/);
    assert.deepEqual(lines.slice(1), ["Hello", "Ada"]);
  });

  it("runs the model-serving curl and client against weir serve, as written but for the ports", { timeout: 90_000 }, async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    const serve = await startServeProcess();
    try {
      const curl = block(readme, "Model serving", "sh");
      const body = /-d '([^']*)'/.exec(curl)![1]!;
      const res = await fetch(`${serve.httpUrl}/v2/models/add_sub/infer`, { method: "POST", body, signal: AbortSignal.timeout(10_000) });
      const json = (await res.json()) as { outputs: { name: string; data: number[] }[] };
      assert.deepEqual(json.outputs.map((o) => [o.name, o.data]), [["OUTPUT0", [5, 5, 5, 5]], ["OUTPUT1", [-3, -1, 1, 3]]]);
      const client = block(readme, "Model serving").replace('"127.0.0.1:9090"', JSON.stringify(serve.rpcAddress));
      assert.match(await runTs(client, root), /Float32Array\(4\) \[ 5, 5, 5, 5 \]/);
    } finally {
      await serve.stop();
    }
  });
});
