import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of the shipped corpus. The compiled code lives in dist/, the text files stay in
 * src/ (and are listed in the package's files), so both places are tried.
 */
export function shippedCorpusDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, "corpus"),
    path.resolve(here, "../../../../../src/serving/engines/builtin/corpus"),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Every `*.txt` file of a folder, in name order. */
export async function readCorpusDir(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort();
  return Promise.all(names.map((n) => readFile(path.join(dir, n), "utf8")));
}

/** Split corpus texts into documents: a line holding only `* * *` separates them. */
export function splitDocuments(texts: readonly string[]): string[] {
  const docs: string[] = [];
  for (const text of texts) {
    for (const part of text.replace(/\r\n?/g, "\n").split(/^\* \* \*[ \t]*$/m)) {
      const doc = part.trim();
      if (doc !== "") docs.push(doc);
    }
  }
  return docs;
}
