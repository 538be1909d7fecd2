/**
 * A message with per-message send flags. Handlers may yield or return one instead of a bare
 * message, and clients may put one in a request stream, to turn compression off or on for that
 * message alone (the call's encoding is still chosen per call).
 *
 * @example
 * yield outgoing(reply, { compress: false });
 */
export class OutgoingMessage<T = unknown> {
  constructor(readonly value: T, readonly compress: boolean) {}
}

export function outgoing<T>(value: T, flags: { compress: boolean }): OutgoingMessage<T> {
  return new OutgoingMessage(value, flags.compress);
}

/** The message inside, whether or not it was wrapped. */
export function unwrapOutgoing<T>(m: T | OutgoingMessage<T>): T {
  return m instanceof OutgoingMessage ? m.value : m;
}
