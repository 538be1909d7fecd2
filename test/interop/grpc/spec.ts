/**
 * The numbers and strings of gRPC's cross-language interop cases
 * (grpc/grpc `doc/interop-test-descriptions.md`), shared by the Weir and grpc-js programs.
 */

/** Every case the clients run, in the order the suite lists them. */
export const CASES = [
  "empty_unary",
  "large_unary",
  "client_streaming",
  "server_streaming",
  "ping_pong",
  "empty_stream",
  "custom_metadata",
  "status_code_and_message",
  "special_status_message",
  "unimplemented_method",
  "unimplemented_service",
  "cancel_after_begin",
  "cancel_after_first_response",
  "timeout_on_sleeping_server",
  "client_compressed_unary",
  "server_compressed_unary",
  "client_compressed_streaming",
  "server_compressed_streaming",
] as const;

export type CaseName = (typeof CASES)[number];

export function isCase(name: string): name is CaseName {
  return (CASES as readonly string[]).includes(name);
}

export const LARGE_REQUEST = 271_828;
export const LARGE_RESPONSE = 314_159;
/** client_streaming request sizes; they sum to 74922. */
export const CLIENT_STREAM_SIZES = [27_182, 8, 1_828, 45_904] as const;
export const CLIENT_STREAM_TOTAL = 74_922;
/** server_streaming response sizes. */
export const SERVER_STREAM_SIZES = [31_415, 9, 2_653, 58_979] as const;
/** ping_pong: [request payload size, response size] per round. */
export const PING_PONG = [
  [27_182, 31_415],
  [8, 9],
  [1_828, 2_653],
  [45_904, 58_979],
] as const;
/** client_compressed_streaming: the compressed and the uncompressed message, and their sum. */
export const COMPRESSED_STREAM_SIZES = [27_182, 45_904] as const;
export const COMPRESSED_STREAM_TOTAL = 73_086;
/** server_compressed_streaming: [compressed?, size] per response. */
export const SERVER_COMPRESSED_STREAM = [
  [true, 31_415],
  [false, 92_653],
] as const;

export const ECHO_INITIAL_KEY = "x-grpc-test-echo-initial";
export const ECHO_INITIAL_VALUE = "test_initial_metadata_value";
export const ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin";
export const ECHO_TRAILING_VALUE = Uint8Array.of(0xab, 0xab, 0xab);

export const STATUS_MESSAGE = "test status message";
/** Whitespace, CR/LF, a BMP and a non-BMP character: exercises grpc-message percent-encoding. */
export const SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \u{1F608}\t\n";

/** Status codes used by the cases (numbers, so the peers' enums need not be imported here). */
export const STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  UNIMPLEMENTED: 12,
} as const;

/** What servers print once they accept connections: `listening on port N`. */
export const READY_LINE = /^listening on port (\d+)$/m;

/** True when every byte is zero (payload bodies are zeros in every case). */
export function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
