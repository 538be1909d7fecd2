import { Code, RpcError } from "../core/index.js";
import type { HttpInput } from "./types.js";

/** Query parameters the gateway itself reads; never copied into requests. */
export const RESERVED_QUERY: ReadonlySet<string> = new Set(["resumable", "last_event_id", "stream_id"]);
const MAX_QUERY_DEPTH = 16;

/**
 * The default request JSON of a route: query parameters (`a.b=1` nests; a repeated key gives an
 * array; values stay strings, which the JSON mappings read as numbers or booleans where the
 * field needs one), overlaid by the JSON body's fields, overlaid by the path parameters.
 */
export function defaultRequestJson(input: HttpInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(input.query.keys())) {
    if (RESERVED_QUERY.has(key)) continue;
    const values = input.query.getAll(key);
    setPath(out, key, values.length === 1 ? values[0] : values);
  }
  const body = input.body;
  if (body !== undefined && body !== null) {
    if (typeof body !== "object" || Array.isArray(body)) throw new RpcError(Code.InvalidArgument, "request body must be a JSON object");
    for (const k of Object.keys(body)) if (k !== "__proto__") out[k] = (body as Record<string, unknown>)[k];
  }
  for (const k of Object.keys(input.params)) if (k !== "__proto__") out[k] = input.params[k];
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  if (parts.length > MAX_QUERY_DEPTH || parts.some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype")) {
    throw new RpcError(Code.InvalidArgument, `query parameter "${key.slice(0, 60)}" is not a field path`);
  }
  let o = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const next = o[p];
    if (typeof next !== "object" || next === null || Array.isArray(next)) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

/** The requests of a client-streaming call over HTTP: the body must be a JSON array. */
export function requestListJson(input: HttpInput): unknown[] {
  if (input.body === undefined) return [];
  if (!Array.isArray(input.body)) throw new RpcError(Code.InvalidArgument, "a client-streaming route takes a JSON array of requests");
  return input.body;
}
