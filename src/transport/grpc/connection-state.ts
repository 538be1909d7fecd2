import type { Http2Session, ServerHttp2Stream } from "node:http2";

const kConnection = Symbol("weir.grpc.connection");
type MarkedSession = Http2Session & { [kConnection]?: ConnectionState };

/** Handshake steps seen: the client's SETTINGS (after its preface), and its ack of ours. */
export const HANDSHAKE_REMOTE = 1;
export const HANDSHAKE_ACKED = 2;
export const HANDSHAKE_DONE = HANDSHAKE_REMOTE | HANDSHAKE_ACKED;

/**
 * @internal What the server tracks of one HTTP/2 connection. Its calls count themselves here (a
 * field increment each, no listener), and the server's sweeps read the counts: idle is no call
 * open and none started since the last sweep.
 */
export class ConnectionState {
  /** Calls whose HTTP/2 stream is still open. */
  calls = 0;
  /** Calls started over the connection's life. */
  started = 0;
  /** Response bytes written to the connection's streams and not yet taken by HTTP/2. */
  unsentBytes = 0;
  /** HANDSHAKE_* flags. */
  handshake = 0;
  /** Counted against the server's connection cap. */
  counted = false;
  /** Over the connection cap: its calls are refused. */
  refused = false;
  /** A refused connection's first calls are answered; it closes after them. */
  refusalAnswered = false;
  /** Idle sweeps in a row that found no call open and none started. */
  quietSweeps = 0;
  startedAtLastSweep = 0;

  constructor(readonly session: Http2Session) {
    (session as MarkedSession)[kConnection] = this;
  }
}

/** The state of the connection a stream belongs to; undefined for sessions of another server. */
export function connectionOf(stream: ServerHttp2Stream): ConnectionState | undefined {
  return (stream.session as MarkedSession | undefined)?.[kConnection];
}
