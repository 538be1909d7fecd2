// The KV cache of one sequence, and how a step's rows are laid into the batched past tensors of
// a decoder in the Optimum layout ([batch, heads, past, head_dim] per layer, key and value).

/** A model's cache geometry. */
export interface KvShape {
  readonly layers: number;
  /** Key/value heads (fewer than the query heads with grouped-query attention). */
  readonly heads: number;
  readonly headDim: number;
  /** Most tokens a sequence holds (the model's context). */
  readonly context: number;
}

/**
 * One sequence's cache: for each layer a key and a value array laid out [heads, capacity,
 * head_dim], of which the first `length` positions of each head are filled. It grows by doubling
 * up to the context.
 */
export interface KvState {
  length: number;
  capacity: number;
  keys: Float32Array[];
  values: Float32Array[];
}

export function createKvState(): KvState {
  return { length: 0, capacity: 0, keys: [], values: [] };
}

/** Bytes a state holds. */
export function kvBytes(s: KvState): number {
  let n = 0;
  for (const a of s.keys) n += a.byteLength * 2;
  return n;
}

function grow(s: KvState, shape: KvShape, need: number): void {
  if (need <= s.capacity) return;
  const capacity = Math.min(shape.context, Math.max(need, s.capacity * 2, 16));
  const { heads, headDim } = shape;
  const regrow = (old: Float32Array | undefined): Float32Array => {
    const a = new Float32Array(heads * capacity * headDim);
    if (old !== undefined) for (let h = 0; h < heads; h++) a.set(old.subarray(h * s.capacity * headDim, (h * s.capacity + s.length) * headDim), h * capacity * headDim);
    return a;
  };
  for (let l = 0; l < shape.layers; l++) {
    s.keys[l] = regrow(s.keys[l]);
    s.values[l] = regrow(s.values[l]);
  }
  s.capacity = capacity;
}

/**
 * Copy every row's cache into one past tensor of `pastLength` positions per layer, right-aligned
 * (row r's `length` positions end at the last slot; the slots before are padding the attention
 * mask hides, holding whatever finite values an earlier step left). The tensors are views of
 * `scratch` (grown as needed, reused step after step: no allocation per step). Returns [key0,
 * value0, key1, value1, ...].
 */
export function gatherPast(states: readonly KvState[], shape: KvShape, pastLength: number, scratch: Float32Array[]): Float32Array[] {
  const { heads, headDim, layers } = shape;
  const size = states.length * heads * pastLength * headDim;
  const out: Float32Array[] = [];
  for (let t = 0; t < 2 * layers; t++) {
    if ((scratch[t]?.length ?? -1) < size) scratch[t] = new Float32Array(Math.max(size, 2 * (scratch[t]?.length ?? 0)));
    const past = new Float32Array(scratch[t]!.buffer, 0, size);
    for (let r = 0; r < states.length; r++) {
      const s = states[r]!;
      if (s.length === 0) continue;
      const src = t % 2 === 0 ? s.keys[t >> 1]! : s.values[t >> 1]!;
      for (let h = 0; h < heads; h++) {
        past.set(src.subarray(h * s.capacity * headDim, (h * s.capacity + s.length) * headDim), ((r * heads + h) * pastLength + pastLength - s.length) * headDim);
      }
    }
    out.push(past);
  }
  return out;
}

/**
 * Append `count` new positions of row `r` from a step's present tensors ([batch, heads, total,
 * head_dim] per layer, key and value alternating), taken from slot `from` on.
 */
export function appendPresent(s: KvState, shape: KvShape, present: readonly Float32Array[], r: number, total: number, from: number, count: number): void {
  grow(s, shape, s.length + count);
  const { heads, headDim, layers } = shape;
  for (let l = 0; l < layers; l++) {
    for (const kind of [0, 1]) {
      const src = present[2 * l + kind]!;
      const dst = kind === 0 ? s.keys[l]! : s.values[l]!;
      for (let h = 0; h < heads; h++) {
        const at = ((r * heads + h) * total + from) * headDim;
        dst.set(src.subarray(at, at + count * headDim), (h * s.capacity + s.length) * headDim);
      }
    }
  }
  s.length += count;
}
