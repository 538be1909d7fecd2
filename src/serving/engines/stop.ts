/**
 * Finds stop sequences in streamed text. Text that could be the start of a stop sequence is held
 * back until it is known not to be; text from a stop sequence on is never released.
 *
 * @example
 * const m = new StopMatcher(["\n\n"]);
 * m.push("Hello\n");   // { text: "Hello", stopped: false }  ("\n" held back)
 * m.push("\nBye");     // { text: "", stopped: true }
 */
export class StopMatcher {
  private held = "";
  private readonly stops: readonly string[];
  private readonly longest: number;

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s !== "");
    this.longest = this.stops.reduce((n, s) => Math.max(n, s.length), 0);
  }

  /** Add generated text; returns what may be released now and whether a stop sequence was hit. */
  push(text: string): { text: string; stopped: boolean } {
    if (this.longest === 0) return { text, stopped: false };
    const buf = this.held + text;
    let cut = -1;
    for (const s of this.stops) {
      const at = buf.indexOf(s);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.held = "";
      return { text: buf.slice(0, cut), stopped: true };
    }
    const keep = this.partialTail(buf);
    this.held = buf.slice(buf.length - keep);
    return { text: buf.slice(0, buf.length - keep), stopped: false };
  }

  /** Release what is held back (the generation ended for another reason). */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  /** Length of the longest tail of `buf` that is a proper prefix of some stop sequence. */
  private partialTail(buf: string): number {
    for (let n = Math.min(this.longest - 1, buf.length); n > 0; n--) {
      const tail = buf.slice(buf.length - n);
      for (const s of this.stops) if (s.length > n && s.startsWith(tail)) return n;
    }
    return 0;
  }
}
