// docs/serving.md opens with code users copy: run its server, its curl request and its client as
// written (imports of "weir/…" resolve to this package through its own exports map), on free
// ports instead of 8000 and 8001, and check what they answer.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { freePort } from "./helpers/net.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

function blocks(doc: string, lang: string): string[] {
  return [...doc.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

describe("docs/serving.md", () => {
  it("runs the opening example: server, curl request and client", { timeout: 60_000 }, async () => {
    const doc = await readFile(path.join(root, "docs", "serving.md"), "utf8");
    const [server, client] = blocks(doc, "ts");
    const curl = blocks(doc, "sh")[0]!;
    const body = /-d '([\s\S]*?)'/.exec(curl)![1]!;
    const expected = /# (\{[\s\S]*)/.exec(curl)![1]!.replace(/\n#\s*/g, "");
    const [rest, grpc] = [await freePort(), await freePort()];
    const source = `${server}\n${client}
console.log(JSON.stringify(Array.from(outputOf(res, "OUTPUT0").data)));
const r = await fetch("http://127.0.0.1:8000/v2/models/add_sub/infer", { method: "POST", body: ${JSON.stringify(body)} });
console.log(await r.text());
process.exit(0);`
      .replaceAll("8001", String(grpc)).replaceAll("listen(8000)", `listen(${rest})`).replaceAll("127.0.0.1:8000", `127.0.0.1:${rest}`);
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = await mkdtemp(path.join(root, "dist", "serving-doc-"));
    const file = path.join(dir, "example.mjs");
    await writeFile(file, js);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: root, timeout: 30_000 });
      const [sum, answer] = stdout.trim().split("\n");
      assert.equal(sum, "[5,5,5,5]");
      assert.deepEqual(JSON.parse(answer!), JSON.parse(expected));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
