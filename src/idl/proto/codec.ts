import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import type { Codec } from "../descriptor.js";

/** A Codec backed by protobufjs's generated encoder and decoder for one message type. */
export function protobufCodec<T = Record<string, unknown>>(type: protobuf.Type): Codec<T> {
  type.setup(); // compile encode/decode once, up front, not on first use
  const name = type.fullName.replace(/^\./, "");
  return {
    encode(value: T): Uint8Array {
      try {
        return type.encode(value as unknown as protobuf.Message).finish();
      } catch (e) {
        throw new RpcError(Code.Internal, `cannot encode ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
    decode(bytes: Uint8Array): T {
      try {
        return type.decode(bytes) as unknown as T;
      } catch (e) {
        throw new RpcError(Code.Internal, `cannot decode ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
    toJson(value: T): unknown {
      const msg = value instanceof type.ctor ? (value as unknown as protobuf.Message) : type.fromObject(value as object);
      return type.toObject(msg, { longs: String, enums: String, bytes: String, defaults: false, json: true, oneofs: false });
    },
    fromJson(json: unknown): T {
      try {
        return type.fromObject(json as Record<string, unknown>) as unknown as T;
      } catch (e) {
        throw new RpcError(Code.InvalidArgument, `invalid JSON for ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}
