import { Code, RpcError } from "../core/index.js";

/** A compiled path pattern: exact, `:name` segments, or a trailing `/*`. @internal */
export interface PathPattern {
  readonly source: string;
  match(pathname: string): Record<string, string> | undefined;
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function compilePath(path: string): PathPattern {
  if (!path.startsWith("/")) throw new RpcError(Code.InvalidArgument, `route path must start with "/", got "${path}"`);
  const wildcard = path.endsWith("/*");
  const segments = (wildcard ? path.slice(0, -2) : path).split("/").slice(1);
  if (!wildcard && !segments.some((s) => s.startsWith(":"))) {
    return { source: path, match: (p) => (p === path ? NO_PARAMS : undefined) };
  }
  return {
    source: path,
    match(pathname) {
      const parts = pathname.split("/").slice(1);
      if (wildcard ? parts.length < segments.length : parts.length !== segments.length) return undefined;
      let params: Record<string, string> | undefined;
      for (let i = 0; i < segments.length; i++) {
        const s = segments[i]!, p = parts[i]!;
        if (s.startsWith(":")) {
          if (p === "") return undefined;
          (params ??= {})[s.slice(1)] = safeDecode(p);
        } else if (s !== p) return undefined;
      }
      if (wildcard) (params ??= {})["*"] = parts.slice(segments.length).join("/");
      return params ?? NO_PARAMS;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The pathname of a request URL (without the query), cheaply. */
export function pathnameOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
