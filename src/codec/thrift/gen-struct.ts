import type { ThriftField, ThriftStruct, ThriftType } from "../../idl/thrift/index.js";
import { lit, prop, valueExpr, type Unit } from "./gen-unit.js";
import { maskChild, type MaskNode } from "./mask-node.js";

/**
 * The protocol-independent shape of a generated struct encoder and decoder; each protocol
 * supplies how a field header, a value and the field dispatch look.
 * @internal
 */
export interface ProtocolParts {
  /** Extra locals the encoder needs (after `b,p,n,x,c`). */
  readonly encLocals: string;
  /** Code writing one field (header + value) of a non-null `x`. */
  encField(u: Unit, f: ThriftField, where: string, mask: MaskNode | null): string;
  /** Code writing the STOP byte. */
  readonly encStop: string;
  /** Extra locals of the decoder, and the loop head that leaves `t` (type) and `id` set, or breaks on STOP. */
  readonly decLocals: string;
  decLoopHead(where: string): string;
  /** The condition under which wire type `t` matches field type `ft`. */
  typeMatches(ft: ThriftType): string;
  /** Code decoding a field value of type `ft` into `target` (the wire type is in `t`). */
  decField(u: Unit, ft: ThriftType, target: string, where: string, mask: MaskNode | null): string;
  /** Code skipping a field of wire type `t`. */
  skipField(u: Unit): string;
}

/** Which fields a struct writes or reads under a mask, and with which child masks. */
function selected(s: ThriftStruct, mask: MaskNode | null, forEncode: boolean): Array<[ThriftField, MaskNode | null]> {
  const out: Array<[ThriftField, MaskNode | null]> = [];
  for (const f of s.fields) {
    if (mask === null) { out.push([f, null]); continue; }
    const c = maskChild(mask, f.id);
    if (c !== false) out.push([f, c]);
    else if (forEncode && f.requiredness === "required") out.push([f, null]); // required fields are always written
  }
  return out;
}

/** The body of `e<n>(w, v, d)`. @internal */
export function structEncoder(u: Unit, s: ThriftStruct, mask: MaskNode | null, pp: ProtocolParts): string {
  const max = u.opts.maxDepth;
  const S = lit(s.name);
  let code = `if(d>${max})throw TD(${S},${max});if(typeof v!=="object"||v===null)throw BV(${S},"an object",v);`;
  code += `let b,p,n,x,c=0${pp.encLocals};`;
  for (const [f, child] of selected(s, mask, true)) {
    const where = `${s.name}.${f.name}`;
    code += `x=${prop("v", f.name)};`;
    if (f.default !== undefined) code += `if(x==null)x=${u.constant(f.default)};`;
    code += `if(x!=null){${pp.encField(u, f, where, child)}c++;}`;
    if (f.requiredness === "required" && f.default === undefined) code += `else throw MR(${S},${lit(f.name)});`;
  }
  if (s.kind === "union") code += `if(c!==1)throw UC(${S},c);`;
  return code + pp.encStop;
}

/** The body of `d<n>(r, d)`. @internal */
export function structDecoder(u: Unit, s: ThriftStruct, mask: MaskNode | null, pp: ProtocolParts): string {
  const max = u.opts.maxDepth;
  const S = lit(s.name);
  const fields = selected(s, mask, false);
  const required = fields.filter(([f]) => f.requiredness === "required");
  const flags = required.map(([f]) => `q${f.id < 0 ? `m${-f.id}` : f.id}`);
  let code = `if(d>${max})throw TD(${S},${max});const b=r.b,e=r.e;let p=r.p,t,id,n,x,c=0${pp.decLocals};const o={};`;
  if (flags.length) code += `let ${flags.map((q) => `${q}=false`).join(",")};`;
  code += `for(;;){${pp.decLoopHead(s.name)}switch(id){`;
  for (const [f, child] of fields) {
    const where = `${s.name}.${f.name}`;
    const q = f.requiredness === "required" ? `q${f.id < 0 ? `m${-f.id}` : f.id}=true;` : "";
    code += `case ${f.id}:if(${pp.typeMatches(f.type)}){${pp.decField(u, f.type, "x", where, child)}${prop("o", f.name)}=x;${q}c++;continue;}break;`;
  }
  code += `}${pp.skipField(u)}}r.p=p;`;
  for (const [f] of required) code += `if(!q${f.id < 0 ? `m${-f.id}` : f.id})throw MR(${S},${lit(f.name)});`;
  for (const [f] of fields) {
    if (f.default !== undefined) code += `if(${prop("o", f.name)}===undefined)${prop("o", f.name)}=${valueExpr(u, f.default, f.type)};`;
  }
  if (s.kind === "union") code += `if(c!==1)throw UC(${S},c);`;
  return code + "return o;";
}

/**
 * Code iterating the elements of array `a` under a list mask: `body(elem, childMask)` is emitted
 * per selected index. Sets the count of selected elements in `cnt` first. @internal
 */
export function maskedListLoop(
  u: Unit, a: string, cnt: string, mask: MaskNode, body: (y: string, m: MaskNode | null) => string,
): { count: string; loop: string } {
  const i = u.uid("i"), y = u.uid("y");
  const listed = [...mask.children.entries()].filter(([k]) => typeof k === "number") as Array<[number, MaskNode | null]>;
  let count = mask.star !== undefined ? `let ${cnt}=${a}.length;` : `let ${cnt}=0;`;
  if (mask.star === undefined) for (const [k] of listed) count += `if(${k}<${a}.length)${cnt}++;`;
  let loop = `for(let ${i}=0;${i}<${a}.length;${i}++){const ${y}=${a}[${i}];switch(${i}){`;
  for (const [k, child] of listed) loop += `case ${k}:{${body(y, child)}break;}`;
  if (mask.star !== undefined) loop += `default:{${body(y, mask.star)}}`;
  return { count, loop: `${loop}}}` };
}

/** Code testing map key `k` against a map mask: the `case` labels of listed keys. @internal */
export function maskedKeyCases(mask: MaskNode, body: (m: MaskNode | null) => string): string {
  let code = "";
  for (const [k, child] of mask.children) code += `case ${lit(String(k))}:{${body(child)}break;}`;
  if (mask.star !== undefined) code += `default:{${body(mask.star)}}`;
  return code;
}
