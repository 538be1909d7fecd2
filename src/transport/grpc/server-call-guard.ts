import type { ServerHttp2Stream } from "node:http2";
import { Code, RpcError, channels } from "../../core/index.js";
import { wheelAdd, wheelRemove, type WheelEntry } from "../../core/deadline-wheel.js";
import type { InflateGate } from "./compression.js";
import { connectionOf, type ConnectionState } from "./connection-state.js";
import { cancelStream, type SendBudget } from "./server-send.js";
import type { ResolvedGrpcServerOptions } from "./server-options.js";

/** @internal What every call shares with the engine that accepted it. */
export interface CallEnv {
  readonly options: ResolvedGrpcServerOptions;
  /** Calls in flight, for shutdown. */
  readonly calls: Set<GuardedCall>;
  /** The server's bound on messages inflating at once. */
  readonly inflateGate: InflateGate;
  /** Response bytes counted against `maxSendBufferBytes`, over every connection. */
  readonly sendBuffer: { bytes: number };
}

/**
 * @internal The bounds around one server call, apart from its protocol work (`ServerCall`): its
 * deadline and its send timeout, both on the shared deadline wheel (one entry per call, at the
 * earlier of the two: a Node timer per call costs several times more), its share of the send
 * buffer bounds, and its count on its connection.
 *
 * The send timeout watches a response written but not taken: a unary response, the rest of a
 * stream once it ended, or a stream whose buffer is full. Taking bytes means completing writes
 * (batches of a stream, slices of a large unary response); a call whose stream completes none for
 * `sendTimeoutMs` is reset with RST_STREAM CANCEL.
 */
export abstract class GuardedCall implements WheelEntry, SendBudget {
  abstract done: boolean;
  /** @internal When the wheel looks at this call next: the earlier of its deadline and its send timeout. */
  expiresAt: number;
  /** @internal */
  wheelSlot: WheelEntry[] | undefined = undefined;
  /** @internal */
  wheelIndex = 0;
  /** The client's deadline (Infinity: none). */
  private readonly callDeadline: number;
  /** When what is written times out unless more of it was taken (Infinity: nothing is watched). */
  private sendBy = Infinity;
  /** Writes completed when the send timeout was last armed. */
  private sendMark = 0;
  /** Bytes of this call's responses counted against the send buffer bounds. */
  private sendCounted = 0;
  /** The connection (undefined for streams of an http2 server that is not a Weir Server). */
  private conn: ConnectionState | undefined;

  constructor(protected readonly env: CallEnv, protected readonly stream: ServerHttp2Stream, deadline: number | undefined) {
    this.callDeadline = this.expiresAt = deadline ?? Infinity;
  }

  /** The call's path, for messages. */
  protected abstract get path(): string;
  /** Writes of response messages completed so far (0 for a unary call). */
  protected abstract get writesDone(): number;
  /** End the call with `err` (its status, if it can still be sent). */
  abstract finish(err: RpcError | undefined): void;
  /** The call ends without a status: the handler's signal aborts with `err`. */
  protected abstract abandon(err: RpcError): void;

  /** Count the call on its connection and put its deadline on the wheel. */
  protected guard(): void {
    this.env.calls.add(this);
    const conn = (this.conn = connectionOf(this.stream));
    if (conn !== undefined) {
      conn.calls++;
      conn.started++;
    }
    if (this.callDeadline !== Infinity) wheelAdd(this);
  }

  /** The call is over (its status is out, or it was cancelled); its stream may still be sending. */
  protected release(): void {
    wheelRemove(this);
    this.env.calls.delete(this);
  }

  /** The stream closed: nothing more to watch or count. */
  protected unguard(): void {
    wheelRemove(this);
    if (this.conn !== undefined) this.conn.calls--;
    this.giveSend(this.sendCounted);
  }

  /** @internal The wheel reached `expiresAt`: the call's deadline, or its send timeout, or neither yet. */
  onWheelExpire(): void {
    const now = Date.now();
    if (!this.done && now >= this.callDeadline) return this.finish(new RpcError(Code.DeadlineExceeded, "deadline exceeded"));
    if (now >= this.sendBy) {
      if (this.writesDone === this.sendMark) return this.sendTimedOut();
      this.sendBy = now + this.env.options.sendTimeoutMs; // the client took some: watch on
      this.sendMark = this.writesDone;
    }
    const next = Math.min(this.done ? Infinity : this.callDeadline, this.sendBy);
    if (next === Infinity) return;
    this.expiresAt = next;
    wheelAdd(this);
  }

  /** Something was written that the client must take within the send timeout. */
  protected watchSend(): void {
    if (this.sendBy !== Infinity) return;
    this.sendBy = Date.now() + this.env.options.sendTimeoutMs;
    this.sendMark = this.writesDone;
    if (this.wheelSlot !== undefined && this.expiresAt <= this.sendBy) return; // the wheel looks earlier anyway
    wheelRemove(this);
    this.expiresAt = this.sendBy;
    wheelAdd(this);
  }

  /** The stream's buffer has room again. The wheel entry stays; when it comes, it finds nothing watched. */
  protected unwatchSend(): void {
    this.sendBy = Infinity;
  }

  /**
   * Count `n` bytes of a response message against the connection's and the server's send buffer
   * bounds; an RpcError (RESOURCE_EXHAUSTED) when they would go over.
   */
  takeSend(n: number): RpcError | undefined {
    const o = this.env.options;
    const conn = this.conn;
    const all = this.env.sendBuffer;
    if (conn !== undefined && conn.unsentBytes + n > o.maxConnectionSendBufferBytes) {
      return overBudget(n, conn.unsentBytes, "on this connection wait for the client", o.maxConnectionSendBufferBytes);
    }
    if (all.bytes + n > o.maxSendBufferBytes) return overBudget(n, all.bytes, "on this server wait for clients", o.maxSendBufferBytes);
    if (conn !== undefined) conn.unsentBytes += n;
    all.bytes += n;
    this.sendCounted += n;
    return undefined;
  }

  /** `n` counted bytes were taken by HTTP/2 (or dropped with the stream). */
  giveSend(n: number): void {
    if (n > this.sendCounted) n = this.sendCounted;
    if (n === 0) return;
    this.sendCounted -= n;
    if (this.conn !== undefined) this.conn.unsentBytes -= n;
    this.env.sendBuffer.bytes -= n;
  }

  private sendTimedOut(): void {
    const ms = this.env.options.sendTimeoutMs;
    const err = new RpcError(Code.DeadlineExceeded, `send timeout: the client took no response bytes for ${ms} ms (${this.path}); stream reset`);
    if (channels.transportError.hasSubscribers) {
      const s = this.stream.session?.socket;
      channels.transportError.publish({ protocol: "grpc", peer: `${s?.remoteAddress}:${s?.remotePort}`, method: this.path, error: err });
    }
    if (!this.done) this.abandon(err);
    cancelStream(this.stream);
  }
}

function overBudget(n: number, held: number, where: string, limit: number): RpcError {
  return new RpcError(Code.ResourceExhausted, `response of ${n} bytes not sent: ${held} bytes of responses ${where} to take them (limit ${limit})`);
}
