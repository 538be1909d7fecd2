/**
 * The three echo servers as interleaved subjects: each in its own child process, started once, loaded
 * one at a time.
 */
import { interleave, type Interleaved, type Subject } from "../lib/interleave.js";
import type { BenchContext } from "../types.js";
import { SERVER_IMPLS, SERVER_LABELS, startServerChild, type ServerChild, type ServerImpl } from "./server-child.js";

/** One server's measurement: `round` loads it once more; `figures` sums the rounds up. */
export interface ServerMeasure<F> {
  round(index: number): Promise<void>;
  figures(): F;
  /** Release connections before the server stops. */
  close?(): void;
}

export function compareServers<F>(
  ctx: BenchContext,
  rounds: number,
  measure: (server: ServerChild) => Promise<ServerMeasure<F>>,
): Promise<Interleaved<ServerImpl, F>> {
  const specs = SERVER_IMPLS.map((impl) => ({
    key: impl,
    label: SERVER_LABELS[impl],
    open: async (): Promise<Subject<F>> => {
      const server = await startServerChild(impl, { cpuProfileDir: ctx.profileDir });
      try {
        const m = await measure(server);
        return { round: (i) => m.round(i), figures: () => m.figures(), close: () => { m.close?.(); return server.stop(); } };
      } catch (e) {
        await server.stop();
        throw e;
      }
    },
  }));
  return interleave(ctx, specs, rounds);
}
