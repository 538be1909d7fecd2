import { Metadata } from "../../core/index.js";

/**
 * Metadata on the Thrift wire: TTHeader string keys and THeader headers are both string pairs.
 * Only text values travel (a binary value has no form there); a received pair that is not valid
 * metadata (upper-case is lower-cased, non-ASCII is dropped) stays out of it.
 */

/** Put the text values of `md` into `into` (a later value of a key replaces an earlier one). */
export function metadataToStringKeys(md: Metadata, into: Map<string, string>): Map<string, string> {
  for (const [k, v] of md) if (typeof v === "string") into.set(k, v);
  return into;
}

/** Received string pairs as metadata, appended to `into`. */
export function metadataFromStringKeys(pairs: ReadonlyMap<string, string>, into = new Metadata()): Metadata {
  for (const [k, v] of pairs) {
    try { into.append(k, v); } catch { /* not valid metadata (e.g. non-ASCII): the pair is dropped */ }
  }
  return into;
}
