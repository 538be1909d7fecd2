import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One file of the chat page, held in memory. */
export interface PageAsset {
  readonly type: string;
  readonly body: Buffer;
}

/** The chat page's files, by URL path. */
export type PageAssets = ReadonlyMap<string, PageAsset>;

const FILES: readonly [url: string, file: string, type: string][] = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/chat.js", "chat.js", "text/javascript; charset=utf-8"],
  ["/chat.css", "chat.css", "text/css; charset=utf-8"],
];

/**
 * The folder of the chat page. The compiled code runs from dist/ while the page (plain HTML, CSS
 * and JS, no build step) stays in src/ (and is listed in the package's files), so both are tried.
 */
export function pageDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, "page"), path.resolve(here, "../../../../src/cli/serve/page")];
  return candidates.find((c) => existsSync(path.join(c, "index.html"))) ?? candidates[0]!;
}

/** Read the chat page's files once. @throws when a file is missing. */
export function loadPage(dir = pageDir()): PageAssets {
  return new Map(FILES.map(([url, file, type]) => [url, { type, body: readFileSync(path.join(dir, file)) }]));
}

/** Headers of a page file: no caching across versions, no sniffing, scripts and connections only to this origin. */
export function pageHeaders(asset: PageAsset): Record<string, string> {
  return {
    "content-type": asset.type,
    "content-length": String(asset.body.byteLength),
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
  };
}
