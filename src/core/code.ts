/** The gRPC status codes; every failure that crosses a call boundary carries one. */
export enum Code {
  Ok = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

const NAMES: readonly string[] = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

/** The canonical upper-case name of a code, as gRPC spells it (`DEADLINE_EXCEEDED`). */
export function codeName(code: Code): string {
  return NAMES[code] ?? `CODE_${code}`;
}

/** Parse a canonical name or a decimal number; unknown values give `undefined`. */
export function parseCode(value: string | number): Code | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 && value <= 16 ? (value as Code) : undefined;
  const byName = NAMES.indexOf(value.toUpperCase());
  if (byName >= 0) return byName as Code;
  const n = Number(value);
  return value.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= 16 ? (n as Code) : undefined;
}

/** A wire status outside 0..16 is UNKNOWN, as the gRPC spec requires. */
export function codeFromWire(value: number): Code {
  return Number.isInteger(value) && value >= 0 && value <= 16 ? (value as Code) : Code.Unknown;
}

/** HTTP status for a code, used by the gateway and by docs/errors.md. */
export function httpStatusOf(code: Code): number {
  switch (code) {
    case Code.Ok: return 200;
    case Code.Canceled: return 499;
    case Code.InvalidArgument: case Code.OutOfRange: return 400;
    case Code.DeadlineExceeded: return 504;
    case Code.NotFound: return 404;
    case Code.AlreadyExists: case Code.Aborted: return 409;
    case Code.PermissionDenied: return 403;
    case Code.ResourceExhausted: return 429;
    case Code.FailedPrecondition: return 400;
    case Code.Unimplemented: return 501;
    case Code.Unavailable: return 503;
    case Code.Unauthenticated: return 401;
    default: return 500;
  }
}

/**
 * The gRPC code for an HTTP status received where a gRPC response was expected
 * (gRPC's http-grpc-status-mapping.md).
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400: return Code.Internal;
    case 401: return Code.Unauthenticated;
    case 403: return Code.PermissionDenied;
    case 404: return Code.Unimplemented;
    case 429: case 502: case 503: case 504: return Code.Unavailable;
    default: return Code.Unknown;
  }
}
