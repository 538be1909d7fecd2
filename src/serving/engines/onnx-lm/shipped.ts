import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of the small transformer shipped with the package (`models/tiny-gpt/` at the
 * package root, made by scripts/models/make-tiny-gpt.py): the compiled code is under dist/src/,
 * the folder beside them both.
 */
export function shippedTinyGptDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../../../../../models/tiny-gpt"), path.resolve(here, "../../../../models/tiny-gpt")];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
