/**
 * Runs several subjects (servers or clients) in rounds, one subject loaded at a time, alternating the
 * order every round (A B C, then C B A) so drift in the machine's load affects each alike.
 */
import type { BenchContext } from "../types.js";

/** A measurement that accumulates over rounds. */
export interface Subject<F> {
  /** One turn of load; `index` counts from 0 (the first round may warm up longer). */
  round(index: number): Promise<void>;
  /** The figures over every round. */
  figures(): F;
  /** Release what `open` acquired (a child process). */
  close(): Promise<void>;
}

export interface SubjectSpec<K extends string, F> {
  readonly key: K;
  readonly label: string;
  /** Why the subject cannot run here (it is skipped with this note), or undefined. */
  readonly unavailable?: string | undefined;
  open(): Promise<Subject<F>>;
}

export interface Interleaved<K extends string, F> {
  readonly figures: Partial<Record<K, F>>;
  /** Figures (or `{ error }`) by label, for the result's `results`. */
  readonly results: Record<string, unknown>;
  readonly notes: string[];
  readonly errors: string[];
}

export async function interleave<K extends string, F>(ctx: BenchContext, specs: readonly SubjectSpec<K, F>[], rounds: number): Promise<Interleaved<K, F>> {
  const out: Interleaved<K, F> = { figures: {}, results: {}, notes: [], errors: [] };
  const live = new Map<SubjectSpec<K, F>, Subject<F>>();
  const fail = (spec: SubjectSpec<K, F>, e: unknown): void => {
    const message = e instanceof Error ? e.message : String(e);
    out.errors.push(`${spec.label}: ${message}`);
    out.results[spec.label] = { error: message.split("\n")[0] };
  };
  try {
    for (const spec of specs) {
      if (spec.unavailable) { out.notes.push(spec.unavailable); continue; }
      try { live.set(spec, await spec.open()); } catch (e) { fail(spec, e); }
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? specs : [...specs].reverse();
      for (const spec of order) {
        const subject = live.get(spec);
        if (!subject) continue;
        ctx.log(`  round ${r + 1}/${rounds}: ${spec.label}`);
        try {
          await subject.round(r);
        } catch (e) {
          fail(spec, e);
          live.delete(spec);
          await subject.close();
        }
      }
    }
    for (const spec of specs) {
      const subject = live.get(spec);
      if (!subject) continue;
      const f = subject.figures();
      out.figures[spec.key] = f;
      out.results[spec.label] = f;
    }
  } finally {
    for (const subject of live.values()) await subject.close();
  }
  return out;
}
