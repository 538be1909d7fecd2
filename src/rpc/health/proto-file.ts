import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @internal The absolute path of one of Weir's bundled `.proto` files (`proto/…` in the package),
 * found by walking up from this module: it sits at a different depth in `src/` and `dist/src/`.
 */
export function bundledProto(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "proto", relative);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`bundled proto file proto/${relative} is missing from the package`);
}
