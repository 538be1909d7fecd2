import { clip } from "../../core/index.js";

/**
 * Longest `grpc-message` a server sends, in bytes once percent-encoded: a longer status message
 * is cut, ending with "…", so that the trailers stay well within a peer's metadata limit (8 KiB
 * by default, for Weir, grpc-js and C-core) and HTTP/2's frame size: an error that quotes a huge
 * input would otherwise reach the client as a reset stream or a metadata error, not as itself.
 */
export const MAX_STATUS_MESSAGE_BYTES = 4096;

/** The `grpc-message` value of a status message: percent-encoded, at most `MAX_STATUS_MESSAGE_BYTES`. */
export function statusMessage(message: string): string {
  const max = MAX_STATUS_MESSAGE_BYTES;
  const whole = encodeGrpcMessage(clip(message, max - 16));
  // escapes take up to 9 bytes per character: cut again so that even those fit
  return whole.length <= max ? whole : encodeGrpcMessage(clip(message, Math.floor(max / 9) - 2));
}

/** grpc-message is percent-encoded UTF-8: bytes outside 0x20..0x7e, and '%', are escaped. */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) { plain = false; break; }
  }
  if (plain) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte < 0x20 || byte > 0x7e || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(byte);
  }
  return out;
}

/** Decodes a percent-encoded grpc-message; malformed escapes are kept as they are, as the spec asks. */
export function decodeGrpcMessage(value: string | undefined): string {
  if (!value) return "";
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length + 0 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(value[i]!, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
