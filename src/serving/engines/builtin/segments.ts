/**
 * Cutting text into the segments a BPE tokenizer encodes one at a time, so that its cost stays
 * linear in the text's length and a long text can be tokenized a slice at a time.
 *
 * BPE merges within one pre-tokenizer piece, and its cost grows with the square of the piece's
 * length; the cl100k pre-tokenizer makes one piece of any run of letters (a 100k-letter word, or
 * a paragraph of Chinese) or of whitespace. Runs of one character class longer than
 * {@link MAX_PIECE_CHARS} are therefore cut into pieces of that length before BPE: the tokens of
 * such a run differ from an unbounded BPE's only at the cuts. Other text is cut only where the
 * pre-tokenizer cuts anyway, so its tokens are exactly those of the whole text.
 */

/** Longest run of letters, of whitespace or of other symbols BPE sees as one piece, in UTF-16 code units. */
export const MAX_PIECE_CHARS = 64;

/** Text is cut into slices of about this many code units (see {@link textSegments}). */
export const SLICE_CHARS = 4096;

/** How far past {@link SLICE_CHARS} a slice may reach to end where the pre-tokenizer cuts. */
const SLICE_SLACK = 256;

/** A run of one pre-tokenizer character class long enough to be cut. `matchAll` copies it, so suspended generators never share its `lastIndex`. */
const LONG_RUN = new RegExp(`\\p{L}{${MAX_PIECE_CHARS},}|\\s{${MAX_PIECE_CHARS},}|[^\\s\\p{L}\\p{N}]{${MAX_PIECE_CHARS},}`, "gu");

/**
 * The segments of `text`, in order; their concatenation is `text`. Slices of about
 * {@link SLICE_CHARS} end before a space that follows a non-space (no cl100k piece spans such a
 * point), or, in text with no such point nearby, anywhere but inside a surrogate pair; within a
 * slice, long runs are cut into pieces of {@link MAX_PIECE_CHARS}.
 */
export function* textSegments(text: string): Generator<string> {
  for (let from = 0; from < text.length; ) {
    const to = sliceEnd(text, from);
    yield* cutLongRuns(from === 0 && to === text.length ? text : text.slice(from, to));
    from = to;
  }
}

/** The end of the slice that starts at `from`. */
function sliceEnd(text: string, from: number): number {
  const target = from + SLICE_CHARS;
  if (target >= text.length) return text.length;
  const limit = Math.min(text.length, target + SLICE_SLACK);
  for (let i = text.indexOf(" ", target); i !== -1 && i < limit; i = text.indexOf(" ", i + 1)) {
    if (!isSpace(text.charCodeAt(i - 1))) return i;
  }
  return notInPair(text, target);
}

function* cutLongRuns(slice: string): Generator<string> {
  let last = 0;
  for (const m of slice.matchAll(LONG_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (start > last) yield slice.slice(last, start);
    for (let i = start; i < end; ) {
      const j = i + MAX_PIECE_CHARS >= end ? end : notInPair(slice, i + MAX_PIECE_CHARS);
      yield slice.slice(i, j);
      i = j;
    }
    last = end;
  }
  if (last === 0) yield slice;
  else if (last < slice.length) yield slice.slice(last);
}

/** `i`, or `i - 1` when `i` falls between the two halves of a surrogate pair. */
function notInPair(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 ? i - 1 : i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && /\s/.test(String.fromCharCode(c)));
}
