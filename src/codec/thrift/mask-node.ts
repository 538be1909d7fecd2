/**
 * A compiled FieldMask level. For a struct, `children` is keyed by field id; for a list or set by
 * element index; for a map by the key as a string (`String(key)`). A `null` child selects the
 * whole value below it; `star` (from `*`) applies to every field, element or key not listed.
 * Anything neither listed nor covered by `star` is left out.
 * @internal
 */
export interface MaskNode {
  readonly children: ReadonlyMap<number | string, MaskNode | null>;
  readonly star: MaskNode | null | undefined;
}

/** What a mask says about one child: `false` left out, `null` whole value, or a deeper mask. @internal */
export function maskChild(m: MaskNode, key: number | string): MaskNode | null | false {
  const c = m.children.get(key);
  if (c !== undefined) return c;
  return m.star === undefined ? false : m.star;
}
