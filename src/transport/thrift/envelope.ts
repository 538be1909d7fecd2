import { encodeTTHeader } from "../ttheader/header.js";
import { IntKey } from "../ttheader/keys.js";
import { encodeTHeader, encodeTHeaderAsync, type THeaderMeta } from "./theader.js";
import type { WireKind, WireMessage } from "./wire.js";

/** Key-value headers for the envelopes that carry them (TTHeader strings, THeader info). */
export interface EnvelopeMeta {
  /** TTHeader int keys. */
  readonly intInfo?: ReadonlyMap<number, string>;
  /** TTHeader string keys, or THeader headers. */
  readonly strInfo?: ReadonlyMap<string, string>;
}

/**
 * Wrap a reply message in the envelope its request came in: the same transport, seq id and (for
 * THeader) protocol, flags and transforms. TTHeader replies carry MsgType (int key 22), as Kitex's
 * server meta handler writes it; `meta` adds more keys.
 */
export function wrapReply(req: WireMessage, message: Uint8Array, messageType: number, meta: EnvelopeMeta = {}): Uint8Array[] {
  switch (req.kind) {
    case "framed": return [lengthPrefix(message.length), message];
    case "buffered": return [message];
    case "ttheader": {
      const intInfo = new Map(meta.intInfo ?? []);
      intInfo.set(IntKey.MsgType, String(messageType));
      const payload = req.ttheaderFramed ? [lengthPrefix(message.length), message] : [message];
      return [encodeTTHeader({ seqId: req.ttheader!.seqId, intInfo, strInfo: meta.strInfo }, payload)];
    }
    case "theader": return [encodeTHeader(theaderReply(req, meta), message)];
  }
}

/** True when a reply to `req` is compressed (THeader with the zlib transform): wrap it with `wrapCompressedReply`. */
export function repliesCompressed(req: WireMessage): boolean {
  return req.theader !== undefined && req.theader.transforms.length > 0;
}

/** `wrapReply` for a request whose reply is compressed: a large reply is compressed on the thread pool. */
export async function wrapCompressedReply(req: WireMessage, message: Uint8Array, meta: EnvelopeMeta = {}): Promise<Uint8Array[]> {
  return [await encodeTHeaderAsync(theaderReply(req, meta), message)];
}

/** A THeader reply has its request's seq id, flags, protocol and transforms. */
function theaderReply(req: WireMessage, meta: EnvelopeMeta): THeaderMeta {
  const th = req.theader!;
  return { seqId: th.seqId, flags: th.flags, protocolId: th.protocolId, transforms: th.transforms, headers: meta.strInfo };
}

/** Options for wrapping a request (client side). */
export interface RequestEnvelope {
  readonly kind: WireKind;
  readonly seqId: number;
  /** THeader protocol id (0 binary, 2 compact). */
  readonly theaderProtocolId?: number;
  /** THeader transforms (1 = zlib). */
  readonly transforms?: readonly number[];
  /** TTHeader: put a framed payload inside (Kitex TTHeaderFramed). */
  readonly ttheaderFramed?: boolean;
}

/** Wrap a request message for the wire. */
export function wrapRequest(env: RequestEnvelope, message: Uint8Array, meta: EnvelopeMeta = {}): Uint8Array[] {
  switch (env.kind) {
    case "framed": return [lengthPrefix(message.length), message];
    case "buffered": return [message];
    case "ttheader": {
      const payload = env.ttheaderFramed ? [lengthPrefix(message.length), message] : [message];
      return [encodeTTHeader({ seqId: env.seqId, intInfo: meta.intInfo, strInfo: meta.strInfo }, payload)];
    }
    case "theader":
      return [encodeTHeader({
        seqId: env.seqId, protocolId: env.theaderProtocolId ?? 0, transforms: env.transforms, headers: meta.strInfo,
      }, message)];
  }
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}
