import { Code, RpcError } from "../../core/index.js";
import { StrKey } from "./keys.js";

/**
 * A Kitex business status error: an RpcError (INTERNAL, as Kitex maps it to gRPC) whose metadata
 * holds `biz-status` (the code, decimal) and, when `extra` is not empty, `biz-extra` (JSON).
 * Thrown by a handler, it travels as Kitex does: on TTHeader as a REPLY with an empty Result and
 * the `biz-status`, `biz-message`, `biz-extra` string keys; on gRPC as status 13 with the message
 * in `grpc-message` and the keys in trailers. Clients rebuild it from either form.
 *
 * @example
 * throw bizError(1001, "bad input", { field: "name" });
 */
export function bizError(status: number, message: string, extra?: Readonly<Record<string, string>>): RpcError {
  if (!Number.isInteger(status) || status < -(2 ** 31) || status >= 2 ** 31) {
    throw new RpcError(Code.InvalidArgument, `biz status must be an i32, got ${status}`);
  }
  const metadata: Record<string, string> = { [StrKey.BizStatus]: String(status) };
  if (extra && Object.keys(extra).length > 0) metadata[StrKey.BizExtra] = JSON.stringify(extra);
  return new RpcError(Code.Internal, message, { metadata });
}

/** The business status of an error made by `bizError` (or received as one), if it is one. */
export function bizStatusOf(err: RpcError): { status: number; message: string; extra: Record<string, string> } | undefined {
  const raw = err.metadata.getString(StrKey.BizStatus);
  if (raw === undefined) return undefined;
  const status = Number(raw);
  if (!Number.isInteger(status)) return undefined;
  let extra: Record<string, string> = {};
  const rawExtra = err.metadata.getString(StrKey.BizExtra);
  if (rawExtra) {
    try { extra = JSON.parse(rawExtra) as Record<string, string>; } catch { extra = {}; }
  }
  return { status, message: err.rawMessage, extra };
}

/** The TTHeader string keys for a business error, or undefined when `err` is not one. */
export function bizErrorKeys(err: RpcError): Map<string, string> | undefined {
  const raw = err.metadata.getString(StrKey.BizStatus);
  if (raw === undefined) return undefined;
  const keys = new Map<string, string>([[StrKey.BizStatus, raw], [StrKey.BizMessage, err.rawMessage]]);
  const extra = err.metadata.getString(StrKey.BizExtra);
  if (extra) keys.set(StrKey.BizExtra, extra);
  return keys;
}

/** Rebuild a business error from TTHeader reply keys; undefined without `biz-status`. */
export function bizErrorFromKeys(keys: ReadonlyMap<string, string>): RpcError | undefined {
  const raw = keys.get(StrKey.BizStatus);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) return new RpcError(Code.Internal, `ttheader: biz-status "${raw}" is not an integer`);
  const metadata: Record<string, string> = { [StrKey.BizStatus]: raw };
  const extra = keys.get(StrKey.BizExtra);
  if (extra) metadata[StrKey.BizExtra] = extra;
  return new RpcError(Code.Internal, keys.get(StrKey.BizMessage) ?? "", { metadata });
}
