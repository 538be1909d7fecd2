/**
 * @internal The trampoline between an HTTP/2 stream's events and the call on it, one copy for the
 * client and the server: the call sits on the stream under one symbol, and the listeners are
 * shared functions that find it there, so a call costs no closures and a message no allocation
 * for its events.
 */

/** What every call on a stream handles. */
export interface StreamCall {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onClose(): void;
}

const kCall = Symbol("weir.grpc.call");
type Carrier = { [kCall]: StreamCall };

/**
 * Where a stream's events go once its call has left it (the stream closed, or the call moved to
 * another stream): nowhere. Has every handler either side's listeners call.
 */
const DETACHED = { onData() {}, onEnd() {}, onClose() {}, onWantTrailers() {}, endLater() {}, onResponse() {} };

/** Put `call` on `stream`; the shared listeners below reach it from there. */
export function attachCall(stream: object, call: StreamCall): void {
  (stream as Carrier)[kCall] = call;
}

/** The call on `stream` (DETACHED once it left: check with `isDetached` before writing to it). */
export function callOf<T extends StreamCall>(stream: object): T {
  return (stream as Carrier)[kCall] as T;
}

export function isDetached(call: unknown): boolean {
  return call === DETACHED;
}

/** Send the stream's later events nowhere; returns the call that was on it. */
export function detachCall<T extends StreamCall>(stream: object): T {
  const call = (stream as Carrier)[kCall];
  (stream as Carrier)[kCall] = DETACHED;
  return call as T;
}

// The listeners shared by every stream: `this` is the stream, which points at its call.
export function onStreamData(this: Carrier, chunk: Buffer): void {
  this[kCall].onData(chunk);
}

export function onStreamEnd(this: Carrier): void {
  this[kCall].onEnd();
}

// A closed Node stream survives minor GCs (it goes at a major one), and whatever it points to is
// copied and promoted with it: detached, it no longer drags the call, its context and the
// middleware's state along.
export function onStreamClose(this: Carrier): void {
  detachCall(this).onClose();
}
