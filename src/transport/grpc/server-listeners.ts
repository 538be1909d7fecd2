import type { ServerHttp2Stream } from "node:http2";

/** What the stream's events and the call's timers drive. */
export interface StreamEvents {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onClose(): void;
  onWantTrailers(): void;
  endLater(): void;
}

const kCall = Symbol("weir.grpc.call");
type CallStream = ServerHttp2Stream & { [kCall]?: StreamEvents };

/**
 * @internal Attach a call to its stream. The listeners are shared functions that find the call on
 * the stream: a call costs no closures, and a message no allocation, for its events.
 */
export function listen(stream: ServerHttp2Stream, call: StreamEvents): void {
  (stream as CallStream)[kCall] = call;
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("close", onClose);
  stream.on("wantTrailers", onWantTrailers);
}

function onData(this: CallStream, chunk: Buffer): void {
  this[kCall]!.onData(chunk);
}
function onEnd(this: CallStream): void {
  this[kCall]!.onEnd();
}
// A closed Node stream survives minor GCs (it goes at a major one), and whatever it points to is
// copied and promoted with it: detached, it no longer drags the call, its context and the
// middleware's state along.
function onClose(this: CallStream): void {
  const call = this[kCall]!;
  this[kCall] = DETACHED;
  call.onClose();
}

const DETACHED: StreamEvents = { onData() {}, onEnd() {}, onClose() {}, onWantTrailers() {}, endLater() {} };
function onWantTrailers(this: CallStream): void {
  this[kCall]!.onWantTrailers();
}

/** @internal Timer callback: the end of a request, judged one turn of the loop later. */
export function endLater(call: StreamEvents): void {
  call.endLater();
}
