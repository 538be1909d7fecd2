import { Code, RpcError } from "../../core/index.js";

/** What a declared Thrift exception carries, as `RpcError.details[0]`. */
export interface ThriftExceptionDetail {
  readonly type: "thrift.exception";
  /** The exception struct's name (`EchoError`), or the `throws` field name when thrown by field. */
  readonly name: string;
  /** The `throws` field it travels in (`err`), once known (always set on errors a client decodes). */
  readonly field?: string;
  /** The exception struct as a plain object. */
  readonly value: Readonly<Record<string, unknown>>;
}

/**
 * An error carrying a declared exception (one listed in the function's `throws`). Handlers throw
 * it; the transport writes it into the Result struct at the exception's field id. Clients get
 * the same shape back when the reply carries an exception. The code is UNKNOWN (the message says
 * which exception); there is one error class, RpcError, and this is one kind of it.
 *
 * @param name the exception struct name (`EchoError`) or the `throws` field name (`err`)
 * @example
 * // void fail(1: i32 code) throws (1: EchoError err)
 * fail: ({ code }) => { throw thriftException("EchoError", { code, message: "no" }); }
 * // caller:
 * try { await client.fail({ code: 7 }); } catch (e) { thriftExceptionOf(e)?.value.code === 7; }
 */
export function thriftException(name: string, value: Readonly<Record<string, unknown>>, field?: string): RpcError {
  const detail: ThriftExceptionDetail = { type: "thrift.exception", name, ...(field ? { field } : {}), value };
  const text = typeof value["message"] === "string" ? `: ${value["message"]}` : "";
  return new RpcError(Code.Unknown, `${name}${text}`, { details: [detail] });
}

/** The declared exception an error carries, if it is one. */
export function thriftExceptionOf(e: unknown): ThriftExceptionDetail | undefined {
  if (!(e instanceof RpcError)) return undefined;
  const d = e.details[0] as Partial<ThriftExceptionDetail> | undefined;
  return d && d.type === "thrift.exception" && typeof d.name === "string" && typeof d.value === "object" && d.value !== null
    ? (d as ThriftExceptionDetail) : undefined;
}
