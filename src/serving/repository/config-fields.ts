import { Code, RpcError } from "../../core/index.js";
import { isDatatype, type Datatype } from "../datatype.js";
import type { TensorSpec } from "../model.js";

/** A JSON object of a config file. */
export type Json = Record<string, unknown>;

/** INVALID_ARGUMENT about a config file: which model, which field, what is wrong. */
export function configError(model: string, message: string): RpcError {
  return new RpcError(Code.InvalidArgument, `config.json of model ${model}: ${message}`);
}

/**
 * The object with snake_case keys renamed to camelCase (Triton writes `max_batch_size`, we read
 * `maxBatchSize`), at every depth except inside `parameters`, whose keys are the model's own.
 */
export function camelKeys(v: unknown, model: string, path = ""): unknown {
  if (Array.isArray(v)) return v.map((x, i) => camelKeys(x, model, `${path}[${i}]`));
  if (v === null || typeof v !== "object") return v;
  const out: Json = {};
  for (const [key, value] of Object.entries(v)) {
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (Object.hasOwn(out, camel)) throw configError(model, `${path}${camel} is given twice (as ${key} and in camelCase)`);
    out[camel] = camel === "parameters" ? value : camelKeys(value, model, `${path}${camel}.`);
  }
  return out;
}

/** Reads typed fields of one object of a config file, naming the field in every error. */
export class Fields {
  constructor(readonly obj: Json, readonly model: string, readonly path: string) {}

  static of(v: unknown, model: string, path: string): Fields {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw configError(model, `${path || "the file"} must be a JSON object`);
    return new Fields(v as Json, model, path);
  }

  bad(field: string, what: string): RpcError {
    const v = this.obj[field];
    return configError(this.model, `${this.path}${field} must be ${what}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  }

  /** A non-negative integer; Triton's JSON writes 64-bit ones as decimal strings, which are taken too. */
  int(field: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.obj[field];
    if (v === undefined) return undefined;
    const n = typeof v === "string" && /^\d{1,16}$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > max) throw this.bad(field, `an integer in 0..${max}`);
    return n;
  }

  /** An array of at most `length` integers in 0..max (decimal strings taken too). */
  ints(field: string, length: number, max: number): number[] | undefined {
    return this.array(field, length)?.map((v, i) => new Fields({ [`${i}]`]: v }, this.model, `${this.path}${field}[`).int(`${i}]`, max)!);
  }

  string(field: string, pattern = /^.{1,256}$/s): string | undefined {
    const v = this.obj[field];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !pattern.test(v)) throw this.bad(field, `a string matching ${pattern.source}`);
    return v;
  }

  bool(field: string): boolean | undefined {
    const v = this.obj[field];
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") throw this.bad(field, "true or false");
    return v;
  }

  array(field: string, max: number): readonly unknown[] | undefined {
    const v = this.obj[field];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length > max) throw this.bad(field, `an array of at most ${max} entries`);
    return v;
  }

  object(field: string): Fields | undefined {
    const v = this.obj[field];
    return v === undefined ? undefined : Fields.of(v, this.model, `${this.path}${field}.`);
  }

  /** INVALID_ARGUMENT for a field that is neither read nor in `ignored`. */
  onlyKnown(known: ReadonlySet<string>, ignored: ReadonlySet<string> = new Set()): void {
    for (const k of Object.keys(this.obj)) {
      if (!known.has(k) && !ignored.has(k)) throw configError(this.model, `unknown field ${this.path}${k.slice(0, 60)} (known: ${[...known].join(", ")})`);
    }
  }
}

/** Triton's `TYPE_*` names and the protocol's own, to a datatype (`TYPE_STRING` is BYTES). */
export function datatypeOf(s: unknown): Datatype | undefined {
  if (typeof s !== "string") return undefined;
  const name = s.startsWith("TYPE_") ? s.slice(5) : s;
  const d = name === "STRING" ? "BYTES" : name;
  return isDatatype(d) ? d : undefined;
}

const TENSOR_FIELDS = new Set(["name", "datatype", "dataType", "shape", "dims"]);
/** Triton fields of a tensor that change nothing here. */
const TENSOR_IGNORED = new Set(["format", "reshape", "isShapeTensor", "allowRaggedBatch", "optional", "labelFilename", "isNonLinearFormatIo"]);
const MAX_DIMS = 16;

/** The inputs or outputs of a config file (Triton's `input`/`dims`/`data_type`, or `inputs`/`shape`/`datatype`). */
export function tensorSpecs(list: readonly unknown[], model: string, kind: string): TensorSpec[] {
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const f = Fields.of(entry, model, `${kind}[${i}].`);
    f.onlyKnown(TENSOR_FIELDS, TENSOR_IGNORED);
    const name = f.string("name", /^[^\0]{1,256}$/);
    if (name === undefined || seen.has(name)) throw configError(model, `${kind}[${i}] needs a name of its own`);
    seen.add(name);
    const raw = f.obj.datatype ?? f.obj.dataType;
    const datatype = datatypeOf(raw);
    if (datatype === undefined) throw configError(model, `${kind} ${name} has datatype ${JSON.stringify(raw)?.slice(0, 30)}: use BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32, FP64, BYTES (or Triton's TYPE_ names)`);
    const dims = f.obj.shape ?? f.obj.dims;
    if (!Array.isArray(dims) || dims.length > MAX_DIMS) throw configError(model, `${kind} ${name} needs a shape (dims) of at most ${MAX_DIMS} dimensions`);
    const shape = dims.map((d) => (typeof d === "string" && /^-?\d{1,12}$/.test(d) ? Number(d) : d));
    for (const d of shape) if (!Number.isSafeInteger(d) || (d as number) < -1) throw configError(model, `${kind} ${name} has a bad dimension ${JSON.stringify(d)?.slice(0, 20)} (integers >= 0, or -1 for any size)`);
    return { name, datatype, shape: shape as number[] };
  });
}
