import type { Http2Session, ServerHttp2Stream } from "node:http2";
import type { ResolvedGrpcServerOptions } from "./server-options.js";

/**
 * @internal Connection management for one server-side HTTP/2 session: keepalive pings, the idle
 * limit and the age limit, each only when its option is finite. Timers are per connection, never
 * per call, and are cleared when the session closes.
 */
export function manageSession(session: Http2Session, o: ResolvedGrpcServerOptions): void {
  const stops: (() => void)[] = [];
  if (Number.isFinite(o.keepalive.timeMs)) stops.push(keepalive(session, o.keepalive.timeMs, o.keepalive.timeoutMs));
  if (Number.isFinite(o.maxConnectionIdleMs)) stops.push(idleLimit(session, o.maxConnectionIdleMs));
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

/** GOAWAY after `idleMs` without a stream open. */
function idleLimit(session: Http2Session, idleMs: number): () => void {
  let active = 0;
  let idleSince = Date.now();
  const onStreamClose = () => {
    if (--active === 0) idleSince = Date.now();
  };
  session.on("stream", (stream: ServerHttp2Stream) => {
    active++;
    stream.once("close", onStreamClose);
  });
  let timer: NodeJS.Timeout;
  const check = () => {
    if (session.destroyed || session.closed) return;
    const idleFor = Date.now() - idleSince;
    if (active === 0 && idleFor >= idleMs) return session.close();
    timer = setTimeout(check, active === 0 ? idleMs - idleFor : idleMs);
    timer.unref();
  };
  timer = setTimeout(check, idleMs);
  timer.unref();
  return () => clearTimeout(timer);
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
