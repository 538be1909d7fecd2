import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import type { Codec, EncodeTarget, JsonWriteOptions } from "../../idl/descriptor.js";
import { directEncoder } from "./direct-encode.js";
import { messageFromJson, messageToJson } from "./json.js";

/**
 * A Codec backed by protobufjs's generated encoder and decoder for one message type; its JSON
 * mapping is proto3's (json.ts).
 */
export function protobufCodec<T = Record<string, unknown>>(type: protobuf.Type): Codec<T> {
  type.setup(); // compile encode/decode once, up front, not on first use
  const name = type.fullName.replace(/^\./, "");
  const direct = directEncoder(type);
  return {
    encode(value: T): Uint8Array {
      try {
        return type.encode(value as unknown as protobuf.Message).finish();
      } catch (e) {
        throw new RpcError(Code.Internal, `cannot encode ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
    encodeInto(value: T, target: EncodeTarget): void {
      if (direct !== undefined && typeof value === "object" && value !== null && direct.encodeInto(value, target)) return;
      let writer: protobuf.Writer;
      try {
        writer = type.encode(value as unknown as protobuf.Message);
      } catch (e) {
        throw new RpcError(Code.Internal, `cannot encode ${name}: ${(e as Error).message}`, { cause: e });
      }
      target.reserve(writer.len);
      writeInto(writer, target.buffer, target.offset);
    },
    decode(bytes: Uint8Array): T {
      try {
        return type.decode(bytes) as unknown as T;
      } catch (e) {
        throw new RpcError(Code.Internal, `cannot decode ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
    toJson(value: T, options?: JsonWriteOptions): unknown {
      return messageToJson(type, value, options);
    },
    fromJson(json: unknown): T {
      const plain = messageFromJson(type, json, name);
      try {
        return type.fromObject(plain) as unknown as T;
      } catch (e) {
        throw new RpcError(Code.InvalidArgument, `invalid JSON for ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}

/** One queued write of a protobufjs Writer (its internal linked list, stable across protobufjs 6 and 7). */
interface WriterOp { fn: (val: unknown, buf: Buffer, pos: number) => void; val: unknown; len: number; next: WriterOp | undefined }

/** What `writer.finish()` does, into a buffer of ours: no allocation, no second copy. */
function writeInto(writer: protobuf.Writer, buf: Buffer, pos: number): void {
  for (let op = (writer.head as WriterOp).next; op; op = op.next) {
    op.fn(op.val, buf, pos);
    pos += op.len;
  }
}
