import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import type { Codec, JsonWriteOptions } from "../descriptor.js";
import { messageFromJson, messageToJson } from "./json.js";

/**
 * A Codec backed by protobufjs's generated encoder and decoder for one message type; its JSON
 * mapping is proto3's (json.ts).
 */
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
