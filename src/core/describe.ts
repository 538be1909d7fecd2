/**
 * A short description of a value for an error message: its type, and a bounded preview of a
 * scalar. Never the whole value: input may be huge or nested deep enough that printing it would
 * itself fail (JSON.stringify of 100k nested arrays overflows the stack).
 */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Map) return "a Map";
  if (v instanceof Set) return "a Set";
  const t = typeof v;
  if (t === "string") return `the string ${JSON.stringify(clip(v as string, 40))}`;
  if (t === "number" || t === "bigint" || t === "boolean") return `${t} ${String(v)}`;
  return t === "object" ? "an object" : t;
}

/**
 * `s` cut to `maxChars` characters, with "…" when it was longer: for names and paths quoted in
 * errors. A surrogate pair is never split (the cut comes one character earlier).
 */
export function clip(s: string, maxChars = 200): string {
  if (s.length <= maxChars) return s;
  const c = s.charCodeAt(maxChars - 1);
  return `${s.slice(0, c >= 0xd800 && c <= 0xdbff ? maxChars - 1 : maxChars)}…`;
}
