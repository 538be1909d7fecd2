import type WebSocket from "ws";
import { Code, RpcError } from "../../core/index.js";

/** The timers of {@link Heartbeat}, in ms; 0 turns one off. @internal */
export interface HeartbeatTimes {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** What the heartbeat needs from its channel. @internal */
export interface HeartbeatOwner {
  /** False while the socket is paused: a pong could not be read, so its absence proves nothing. */
  readonly hearing: boolean;
  /** When the last message went either way (`Date.now()`). */
  readonly lastActive: number;
  /** End the socket: `code` is a close code, or undefined to drop the connection without a close frame. */
  die(reason: RpcError, code?: number): void;
}

/**
 * Liveness of one socket. Every `pingIntervalMs` it sends a ping; a peer that has not answered
 * with a pong `pongTimeoutMs` later is dropped (the ping queues behind everything sent before it,
 * so a peer that stops reading does not answer either). A socket with no message either way for
 * `idleTimeoutMs` is closed with 1001. Timers are unref'd and stop with `stop()`.
 * @internal
 */
export class Heartbeat {
  private pingTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;

  constructor(private readonly ws: WebSocket, private readonly t: HeartbeatTimes, private readonly owner: HeartbeatOwner) {}

  start(): void {
    if (this.t.pingIntervalMs > 0) {
      this.ws.on("pong", this.onPong);
      this.pingTimer = setTimeout(this.ping, this.t.pingIntervalMs).unref();
    }
    if (this.t.idleTimeoutMs > 0) this.idleTimer = setTimeout(this.checkIdle, this.t.idleTimeoutMs).unref();
  }

  stop(): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.idleTimer);
    this.ws.off("pong", this.onPong);
  }

  private readonly ping = (): void => {
    this.awaitingPong = true;
    this.ws.ping();
    this.pingTimer = setTimeout(this.checkPong, this.t.pongTimeoutMs).unref();
  };

  private readonly checkPong = (): void => {
    if (this.awaitingPong && this.owner.hearing) {
      this.owner.die(new RpcError(Code.Unavailable, `WebSocket peer did not answer a ping within ${this.t.pongTimeoutMs} ms`));
      return;
    }
    this.awaitingPong = false;
    this.pingTimer = setTimeout(this.ping, this.t.pingIntervalMs).unref();
  };

  private readonly onPong = (): void => {
    this.awaitingPong = false;
  };

  private readonly checkIdle = (): void => {
    const left = this.owner.lastActive + this.t.idleTimeoutMs - Date.now();
    if (left > 0) {
      this.idleTimer = setTimeout(this.checkIdle, left).unref();
      return;
    }
    this.owner.die(new RpcError(Code.DeadlineExceeded, `WebSocket idle for ${this.t.idleTimeoutMs} ms`), 1001);
  };
}
