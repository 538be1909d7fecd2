import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import type { BudgetWaiter, WebSocketBudget } from "./budget.js";

/** A received message: text frames as strings, binary frames as bytes. */
export type WebSocketMessage = string | Uint8Array;

/**
 * The received messages of one socket that its reader has not taken, and the decision to read
 * the socket or not: it pauses while `maxMessages` or `maxBytes` are queued (until the reader has
 * taken half of them) and while a shared budget is exhausted; it reads on after the channel
 * closes, dropping messages, to take the peer's close frame.
 * @internal
 */
export class Inbound implements BudgetWaiter {
  private readonly queue: WebSocketMessage[] = [];
  /** Bytes of each queued message, in the same order. */
  private readonly sizes: number[] = [];
  private budget: WebSocketBudget | undefined;
  private queuedBytes = 0;
  /** Bytes read from the connection since the last whole message (counted with a budget only). */
  private arriving = 0;
  /** Bytes received since the channel closed (raw bytes when counted, else message bytes). */
  private dropped = 0;
  private countsRaw = false;
  private fullQueue = false;
  private overBudget = false;
  private closing = false;
  /** Whether the socket is being read. */
  reading = true;

  /** `afterClose`: bytes a peer may send after the close before it is cut off. */
  constructor(private readonly ws: WebSocket, private readonly maxMessages: number, private readonly maxBytes: number, private readonly afterClose: number) {}

  get length(): number {
    return this.queue.length;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  push(data: WebSocket.RawData, isBinary: boolean): void {
    const size = rawSize(data);
    if (this.closing) {
      if (!this.countsRaw) this.drop(size);
      return;
    }
    this.queue.push(isBinary ? toBytes(data) : data.toString());
    this.sizes.push(size);
    this.queuedBytes += size;
    if (this.budget !== undefined) {
      this.budget.adjust(size - this.arriving);
      this.arriving = 0;
    }
    if (this.queue.length >= this.maxMessages || this.queuedBytes >= this.maxBytes) this.fullQueue = true;
    this.checkBudget();
  }

  /** The oldest message; only when `length > 0`. */
  take(): WebSocketMessage {
    const m = this.queue.shift()!;
    const size = this.sizes.shift()!;
    this.queuedBytes -= size;
    this.budget?.adjust(-size);
    if (this.fullQueue && this.queue.length <= this.maxMessages >> 1 && this.queuedBytes <= this.maxBytes / 2) {
      this.fullQueue = false;
      this.setReading();
    }
    return m;
  }

  /** Count received bytes in `budget`, shared with the other sockets of a server; `raw` is the connection under the WebSocket. */
  shareBudget(budget: WebSocketBudget, raw: Duplex): void {
    this.budget = budget;
    this.countsRaw = true;
    raw.on("data", this.onRawData);
    this.ws.once("close", () => raw.off("data", this.onRawData));
  }

  budgetFreed(): void {
    this.overBudget = false;
    this.setReading();
  }

  /** The channel is closing: read on to take the peer's close frame, drop messages from now on. */
  startClosing(): void {
    this.closing = true;
    this.setReading();
  }

  /** The socket closed: give its bytes back to the budget (the queue stays readable). */
  closed(): void {
    if (this.budget === undefined) return;
    this.budget.forget(this);
    this.budget.adjust(-(this.queuedBytes + this.arriving));
    this.budget = undefined;
  }

  /**
   * After close, what the peer had in flight is dropped; a peer that keeps sending more than
   * `afterClose` bytes instead of answering the close is cut off.
   */
  private drop(size: number): void {
    this.dropped += size;
    if (this.dropped > this.afterClose) this.ws.terminate();
  }

  /**
   * Runs after the WebSocket parsed `chunk` (its listener came first): bytes of a message still
   * arriving until the next message event, which counts that message whole instead. The bytes of a
   * chunk that ended a message count twice until then: at most one read per socket.
   */
  private readonly onRawData = (chunk: Buffer): void => {
    if (this.closing) return this.drop(chunk.length);
    if (this.budget === undefined) return;
    this.arriving += chunk.length;
    this.budget.adjust(chunk.length);
    this.checkBudget();
  };

  private checkBudget(): void {
    if (this.budget !== undefined && this.budget.exhausted && !this.overBudget) {
      this.overBudget = true;
      this.budget.wait(this);
    }
    this.setReading();
  }

  /** Pause or resume the connection: read while closing, or while neither the queue nor the budget is full. */
  private setReading(): void {
    const read = this.closing || !(this.fullQueue || this.overBudget);
    if (read === this.reading) return;
    this.reading = read;
    if (read) this.ws.resume();
    else this.ws.pause();
  }
}

function rawSize(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
