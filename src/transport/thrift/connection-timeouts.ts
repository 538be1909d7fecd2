import type { Socket } from "node:net";

/** What a connection waits for, as its timeouts see it. */
export const Waiting = Object.freeze({
  /** A handler runs, reading is paused, or replies are being sent: no read or idle timeout. */
  Busy: 0,
  /** Part of a message has arrived: the read timeout runs. */
  Reading: 1,
  /** Nothing in progress, nothing unsent: the idle timeout runs. */
  Idle: 2,
});

/** Timeouts of a connection, in ms; 0 turns one off. */
export interface TimeoutLimits {
  /** A message must arrive whole within this long of its first byte. */
  readonly readTimeoutMs: number;
  /** Replies must be taken by the peer within this long of being written. */
  readonly writeTimeoutMs: number;
  /** A connection with nothing in progress and nothing unsent is closed after this long. */
  readonly idleTimeoutMs: number;
}

/**
 * @internal The read, write and idle timeouts of one connection, checked from outside at a coarse
 * interval (one timer for every connection of a server) rather than with a timer per message:
 * each check notes what the connection waits for and since when.
 */
export class ConnectionTimeouts {
  /** `unitsRead` and what the connection waited for at the last check, and since when. */
  private waitKey = -1;
  private waitSince = 0;
  /** Bytes written by a check that must all be sent, and since when. */
  private writeMark = 0;
  private writeSince = 0;

  constructor(private readonly limits: TimeoutLimits) {}

  /**
   * Which timeout has passed at `now`, if one has: `write` when bytes written before the last
   * check that found everything sent are still unsent after `writeTimeoutMs`; `read` when the same
   * partial message has been waited for over `readTimeoutMs`; `idle` likewise over `idleTimeoutMs`.
   */
  check(now: number, socket: Socket, waiting: number, unitsRead: number): "read" | "write" | "idle" | undefined {
    const { limits } = this;
    if (socket.bytesWritten - socket.writableLength >= this.writeMark) {
      this.writeMark = socket.bytesWritten;
      this.writeSince = now;
    } else if (limits.writeTimeoutMs > 0 && now - this.writeSince > limits.writeTimeoutMs) {
      return "write";
    }
    const key = unitsRead * 4 + waiting;
    if (key !== this.waitKey) {
      this.waitKey = key;
      this.waitSince = now;
      return undefined;
    }
    const waited = now - this.waitSince;
    if (waiting === Waiting.Reading && limits.readTimeoutMs > 0 && waited > limits.readTimeoutMs) return "read";
    if (waiting === Waiting.Idle && limits.idleTimeoutMs > 0 && waited > limits.idleTimeoutMs) return "idle";
    return undefined;
  }
}
