import type { ServerHttp2Stream } from "node:http2";
import { attachCall, callOf, onStreamClose, onStreamData, onStreamEnd, type StreamCall } from "./stream-calls.js";

/** What the stream's events and the call's timers drive. */
export interface StreamEvents extends StreamCall {
  onWantTrailers(): void;
  endLater(): void;
}

/**
 * @internal Attach a call to its stream (the trampoline of `stream-calls.ts`): a call costs no
 * closures, and a message no allocation, for its events.
 */
export function listen(stream: ServerHttp2Stream, call: StreamEvents): void {
  attachCall(stream, call);
  stream.on("data", onStreamData);
  stream.on("end", onStreamEnd);
  stream.on("close", onStreamClose);
  stream.on("wantTrailers", onWantTrailers);
}

function onWantTrailers(this: ServerHttp2Stream): void {
  callOf<StreamEvents>(this).onWantTrailers();
}

/** @internal Timer callback: the end of a request, judged one turn of the loop later. */
export function endLater(call: StreamEvents): void {
  call.endLater();
}
