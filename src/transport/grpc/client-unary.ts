import { Code, RpcError } from "../../core/index.js";
import type { ClientCallContext, MethodDescriptor } from "../../rpc/index.js";
import { ClientCall, type CallShared } from "./client-call.js";

/**
 * A call with exactly one response message (unary and client-streaming): resolves with it once
 * the status is OK. Zero or several messages with OK is a cardinality violation: UNIMPLEMENTED,
 * as gRPC's statuscodes.md says.
 * @internal
 */
export class UnaryResponseCall extends ClientCall {
  readonly result: Promise<unknown>;
  private resolve!: (value: unknown) => void;
  private reject!: (e: RpcError) => void;
  private payload: Buffer | undefined;
  private compressed = false;

  constructor(ctx: ClientCallContext, method: MethodDescriptor, shared: CallShared) {
    super(ctx, method, shared);
    this.result = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Fail before a stream exists (e.g. the request could not be encoded). */
  fail(e: unknown): void {
    if (this.done) return;
    this.cancel(RpcError.from(e, Code.Internal));
  }

  protected onMessage(compressed: boolean, payload: Buffer): void {
    if (this.payload !== undefined) {
      return this.cancel(new RpcError(Code.Unimplemented, `server sent more than one response message for ${this.method.kind} method ${this.method.path}`));
    }
    this.payload = payload;
    this.compressed = compressed;
  }

  protected settle(outcome: RpcError | null): void {
    if (outcome !== null) return this.reject(outcome);
    const payload = this.payload;
    if (payload === undefined) {
      return this.reject(new RpcError(Code.Unimplemented, `server sent no response message for ${this.method.kind} method ${this.method.path}`));
    }
    this.payload = undefined;
    try {
      this.resolve(this.decodeMessage(this.compressed, payload));
    } catch (e) {
      this.reject(RpcError.from(e, Code.Internal));
    }
  }
}
