import type http2 from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import { OutgoingMessage, type MethodDescriptor } from "../../rpc/index.js";
import type { ClientCall } from "./client-call.js";
import { compress } from "./compression.js";
import { encodeEnvelope } from "./envelope.js";

export type Envelope = Buffer | [Buffer, Uint8Array];

/**
 * One request message as an envelope: encoded, checked against the send limit, and compressed when
 * the call has an encoding and the message does not opt out (OutgoingMessage). Returns a promise
 * only when compressing.
 * @internal
 */
export function encodeRequest(
  method: MethodDescriptor, value: unknown, encoding: string | undefined, maxSendBytes: number,
): Envelope | Promise<Envelope> {
  let compressIt = encoding !== undefined;
  if (value instanceof OutgoingMessage) {
    compressIt &&= value.compress;
    value = value.value;
  }
  const bytes = method.input.encode(value);
  if (bytes.byteLength > maxSendBytes) {
    throw new RpcError(Code.ResourceExhausted, `request message of ${bytes.byteLength} bytes exceeds the send limit of ${maxSendBytes} bytes`);
  }
  if (!compressIt) return encodeEnvelope(bytes, false);
  return compress(encoding!, bytes).then((packed) => encodeEnvelope(packed, true));
}

/** Write an envelope; returns false when the stream asks to wait for 'drain'. */
export function writeEnvelope(stream: http2.ClientHttp2Stream, env: Envelope, end: boolean): boolean {
  if (Array.isArray(env)) {
    stream.write(env[0]);
    if (end) { stream.end(env[1]); return true; }
    return stream.write(env[1]);
  }
  if (end) { stream.end(env); return true; }
  return stream.write(env);
}

/**
 * Send a stream of requests, pulling the next one only when HTTP/2 flow control has room, then
 * half-close. A failing source cancels the call with its error; a finished call stops the pull.
 * @internal
 */
export async function pumpRequests(
  call: ClientCall, requests: AsyncIterable<unknown>, encoding: string | undefined, maxSendBytes: number,
): Promise<void> {
  const stream = call.stream!;
  let it: AsyncIterator<unknown> | undefined;
  let finished = false;
  try {
    it = requests[Symbol.asyncIterator]();
    while (!call.done) {
      const r = await it.next();
      if (r.done) { finished = true; break; }
      if (call.done) break;
      const env = encodeRequest(call.method, r.value, encoding, maxSendBytes);
      const ready = writeEnvelope(stream, env instanceof Promise ? await env : env, false);
      if (!ready && !call.done) await drained(stream);
    }
    if (!call.done && !stream.writableEnded) stream.end();
  } catch (e) {
    finished = true; // a source that threw is done; do not call its return()
    call.fail(e instanceof RpcError ? e : RpcError.from(e, Code.Canceled));
  } finally {
    if (!finished) it?.return?.()?.catch?.(() => {});
  }
}

function drained(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
