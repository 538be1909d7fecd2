import type { Socket } from "node:net";

/**
 * The connections open on a shared port: at most `max`. A connection past the cap takes the
 * place of the oldest one that has not yet said what protocol it speaks (a client still silent
 * is worth less than one that just arrived); only when every open connection has been handed to
 * a protocol is the new one refused. Without that, a few hundred silent sockets would lock every
 * new client out until the sniff timeout closed them.
 * @internal
 */
export class PortSlots {
  /** Connections still being sniffed, oldest first (a Set keeps insertion order). */
  private readonly sniffing = new Set<Socket>();
  private open = 0;

  constructor(private readonly max: number) {}

  /** Count a new connection, making room if needed; false when it must be refused. */
  admit(socket: Socket): boolean {
    if (this.open >= this.max) {
      const oldest = this.sniffing.values().next();
      if (oldest.done === true) return false;
      this.sniffing.delete(oldest.value);
      oldest.value.destroy(); // counted out by its close, a moment later
    }
    this.open++;
    this.sniffing.add(socket);
    socket.once("close", () => {
      this.open--;
      this.sniffing.delete(socket);
    });
    return true;
  }

  /** The connection said what it speaks and belongs to a protocol server now: it can no longer be displaced. */
  handedOver(socket: Socket): void {
    this.sniffing.delete(socket);
  }
}
