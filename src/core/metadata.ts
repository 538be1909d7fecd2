/**
 * Request and response metadata: lower-case keys, each with one or more values.
 * Keys ending in `-bin` hold bytes (sent base64 on the wire); every other key holds strings.
 *
 * @example
 * const md = new Metadata({ "x-user": "ada", "trace-bin": new Uint8Array([1, 2]) });
 * md.get("x-user"); // "ada"
 */
export type MetadataValue = string | Uint8Array;
export type MetadataInit = Metadata | Iterable<readonly [string, MetadataValue]> | Record<string, MetadataValue | readonly MetadataValue[]>;

export class Metadata {
  /** Created by the first write: most calls carry no metadata at all. */
  private m: Map<string, MetadataValue[]> | undefined;
  private get read(): ReadonlyMap<string, MetadataValue[]> {
    return this.m ?? EMPTY;
  }
  private get write(): Map<string, MetadataValue[]> {
    return (this.m ??= new Map());
  }

  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    if (init instanceof Metadata) {
      for (const [k, vs] of init.read) this.write.set(k, vs.slice());
    } else if (Symbol.iterator in init) {
      for (const [k, v] of init as Iterable<readonly [string, MetadataValue]>) this.append(k, v);
    } else {
      for (const k of Object.keys(init)) {
        const v = (init as Record<string, MetadataValue | readonly MetadataValue[]>)[k]!;
        if (Array.isArray(v)) for (const one of v) this.append(k, one);
        else this.append(k, v as MetadataValue);
      }
    }
  }

  /** The first value of a key. */
  get(key: string): MetadataValue | undefined {
    return this.read.get(key.toLowerCase())?.[0];
  }
  /** The first value as a string; bytes are decoded as UTF-8. */
  getString(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : typeof v === "string" ? v : Buffer.from(v).toString("utf8");
  }
  getAll(key: string): readonly MetadataValue[] {
    return this.read.get(key.toLowerCase()) ?? [];
  }
  has(key: string): boolean {
    return this.read.has(key.toLowerCase());
  }
  set(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    this.write.set(k, [value]);
    return this;
  }
  append(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    const vs = this.write.get(k);
    if (vs) vs.push(value); else this.write.set(k, [value]);
    return this;
  }
  delete(key: string): boolean {
    return this.m?.delete(key.toLowerCase()) ?? false;
  }
  get size(): number {
    return this.read.size;
  }
  keys(): IterableIterator<string> {
    return this.read.keys();
  }
  /** Every (key, value) pair, a key with several values once per value. */
  *[Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    for (const [k, vs] of this.read) for (const v of vs) yield [k, v];
  }
  /** Copy every pair of `other` into this one (appending). */
  merge(other: Metadata | undefined): this {
    if (other) for (const [k, vs] of other.read) for (const v of vs) this.append(k, v);
    return this;
  }
  /** Bytes the pairs take as HTTP/2 headers (key + value + 32 per entry, as HPACK counts them). */
  byteSize(): number {
    let n = 0;
    for (const [k, vs] of this.read) {
      for (const v of vs) n += k.length + 32 + (typeof v === "string" ? v.length : Math.ceil(v.byteLength / 3) * 4);
    }
    return n;
  }
  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, vs] of this.read) {
      const strs = vs.map((v) => (typeof v === "string" ? v : Buffer.from(v).toString("base64")));
      out[k] = strs.length === 1 ? strs[0]! : strs;
    }
    return out;
  }
}

const EMPTY: ReadonlyMap<string, MetadataValue[]> = new Map();

const KEY = /^[0-9a-z_.\-]+$/;

function checkKey(key: string, value: MetadataValue): string {
  const k = key.toLowerCase();
  if (!KEY.test(k)) throw new TypeError(`metadata key "${key}" has characters outside [0-9a-z_.-]`);
  const isBin = k.endsWith("-bin");
  if (isBin && typeof value === "string") throw new TypeError(`metadata key "${k}" ends in -bin and takes bytes, not a string`);
  if (!isBin && typeof value !== "string") throw new TypeError(`metadata key "${k}" takes a string; binary keys end in -bin`);
  if (!isBin && /[^\x20-\x7e]/.test(value as string)) throw new TypeError(`metadata value of "${k}" must be printable ASCII`);
  return k;
}
