/**
 * Runs one measurement against each echo server in turn, each server in its own child process, and
 * collects figures, notes and errors. Weir is skipped with a note while its modules are not built.
 */
import type { BenchContext } from "../types.js";
import { SERVER_IMPLS, SERVER_LABELS, startServerChild, type ServerChild, type ServerImpl } from "./server-child.js";
import { weirUnavailable } from "./weir-modules.js";

export interface Comparison<F> {
  /** Figures by server label (weir, grpc-js, node:http2). */
  readonly figures: Partial<Record<ServerImpl, F>>;
  readonly results: Record<string, unknown>;
  readonly notes: string[];
  readonly errors: string[];
}

export async function compareServers<F extends object>(
  ctx: BenchContext,
  measure: (server: ServerChild) => Promise<F>,
  impls: readonly ServerImpl[] = SERVER_IMPLS,
): Promise<Comparison<F>> {
  const out: Comparison<F> = { figures: {}, results: {}, notes: [], errors: [] };
  for (const impl of impls) {
    const label = SERVER_LABELS[impl];
    if (impl === "weir") {
      const why = weirUnavailable("server");
      if (why) { out.notes.push(why); continue; }
    }
    ctx.log(`  ${label} server`);
    let server: ServerChild | undefined;
    try {
      server = await startServerChild(impl, { cpuProfileDir: impl === "weir" ? ctx.profileDir : undefined });
      const figures = await measure(server);
      out.figures[impl] = figures;
      out.results[label] = figures;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      out.errors.push(`${label}: ${message}`);
      out.results[label] = { error: message.split("\n")[0] };
    } finally {
      await server?.stop();
    }
  }
  return out;
}
