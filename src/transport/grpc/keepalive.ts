import type { Http2Session } from "node:http2";
import type { ResolvedGrpcServerOptions } from "./server-options.js";

/**
 * @internal Connection management for one server-side HTTP/2 session: keepalive pings and the age
 * limit, each only when its option is finite (the handshake and idle timeouts are the server's, in
 * connections.ts). Timers are per connection, never per call, and are cleared when the session closes.
 */
export function manageSession(session: Http2Session, o: ResolvedGrpcServerOptions): void {
  const stops: (() => void)[] = [];
  if (Number.isFinite(o.keepalive.timeMs)) stops.push(keepalive(session, o.keepalive.timeMs, o.keepalive.timeoutMs));
  if (Number.isFinite(o.maxConnectionAgeMs)) stops.push(ageLimit(session, o.maxConnectionAgeMs, o.maxConnectionAgeGraceMs));
  if (stops.length > 0) session.once("close", () => { for (const stop of stops) stop(); });
}

/** A PING every `timeMs`; without an ack within `timeoutMs` the connection is dead and destroyed. */
function keepalive(session: Http2Session, timeMs: number, timeoutMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let ackTimer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(ping, timeMs);
    timer.unref();
  };
  const ping = () => {
    if (session.destroyed || session.closed) return;
    ackTimer = setTimeout(() => session.destroy(), timeoutMs);
    ackTimer.unref();
    const sent = session.ping((err) => {
      clearTimeout(ackTimer);
      if (err === null && !session.destroyed) schedule();
    });
    if (!sent) {
      clearTimeout(ackTimer);
      schedule();
    }
  };
  schedule();
  return () => {
    clearTimeout(timer);
    clearTimeout(ackTimer);
  };
}

/**
 * GOAWAY once the connection is `ageMs` old (±10% jitter, so that a fleet of connections does not
 * reconnect at once); calls still running `graceMs` later are cancelled with the connection.
 */
function ageLimit(session: Http2Session, ageMs: number, graceMs: number): () => void {
  let graceTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    if (session.destroyed || session.closed) return;
    session.close();
    if (Number.isFinite(graceMs)) {
      graceTimer = setTimeout(() => session.destroy(), graceMs);
      graceTimer.unref();
    }
  }, ageMs * (0.9 + Math.random() * 0.2));
  timer.unref();
  return () => {
    clearTimeout(timer);
    clearTimeout(graceTimer);
  };
}
