import type { ThriftField, ThriftStruct, ThriftType } from "../../idl/thrift/index.js";
import { maskedKeyCases, maskedListLoop, structDecoder, structEncoder, type ProtocolParts } from "./gen-struct.js";
import { lit, mapToMap, setToArray, valueCheck, type StructGenerator, type Unit } from "./gen-unit.js";
import type { MaskNode } from "./mask-node.js";
import { COMPACT_MIN_SIZE, compactType, CType } from "./wire.js";

const ens = (n: string | number): string => `if(w.p+${n}>w.c)w.grow(${n});b=w.b;p=w.p;`;
const NO_HDR = { size: 0, code: "" };
type Hdr = { size: number; code: string };

/** Code writing a non-null value `x` of type `t` (compact), preceded by the header code. */
function encValue(u: Unit, t: ThriftType, x: string, hdr: Hdr, where: string, mask: MaskNode | null): string {
  const H = hdr.size, W = lit(where);
  const check = valueCheck(t, x, where);
  switch (t.kind) {
    case "bool": return `${check}${ens(H + 1)}${hdr.code}b[p++]=${x}?1:2;w.p=p;`;
    case "i8": return `${check}${ens(H + 1)}${hdr.code}b[p++]=${x};w.p=p;`;
    case "i16": case "i32": case "enum": return `${check}${ens(H + 5)}${hdr.code}w.p=wvar32(b,p,(${x}<<1)^(${x}>>31));`;
    case "i64": return `split64(${x},${W});${ens(H + 10)}${hdr.code}w.p=wzz64(b,p);`;
    case "double": return `${check}${ens(H + 8)}${hdr.code}wdblLE(b,p,${x});w.p=p+8;`;
    case "string": return `${check}${ens(`${H + 5}+${x}.length*3`)}${hdr.code}w.p=wstrC(b,p,${x});`;
    case "binary": {
      const y = u.uid("y");
      return `const ${y}=toBytes(${x},${W});${ens(`${H + 5}+${y}.length`)}${hdr.code}p=wvar32(b,p,${y}.length);b.set(${y},p);w.p=p+${y}.length;`;
    }
    case "uuid": return `${ens(H + 16)}${hdr.code}wuuid(b,p,${x},${W});w.p=p+16;`;
    case "struct": return `${check}${ens(H)}${hdr.code}w.p=p;e${u.fn(t.struct, mask)}(w,${x},d+1);`;
    case "list": return `${check}${encList(u, t.element, x, hdr, where, mask)}`;
    case "set": {
      const a = u.uid("a");
      return `${setToArray(x, a, where)}${encList(u, t.element, a, hdr, where, mask)}`;
    }
    case "map": return encMap(u, t, x, hdr, where, mask);
  }
}

function encList(u: Unit, et: ThriftType, a: string, hdr: Hdr, where: string, mask: MaskNode | null): string {
  const W = lit(`${where}[]`), ET = compactType(et);
  const elem = (y: string, m: MaskNode | null) => `if(${y}==null)throw BV(${W},"a value",${y});${encValue(u, et, y, NO_HDR, `${where}[]`, m)}`;
  const head = (count: string) =>
    `${ens(hdr.size + 6)}${hdr.code}n=${count};if(n<15)b[p++]=n<<4|${ET};else{b[p++]=${0xf0 | ET};p=wvar32(b,p,n);}w.p=p;`;
  if (mask !== null) {
    const cnt = u.uid("c");
    const { count, loop } = maskedListLoop(u, a, cnt, mask, elem);
    return `${count}${head(cnt)}${loop}`;
  }
  const i = u.uid("i"), y = u.uid("y");
  return `${head(`${a}.length`)}for(let ${i}=0;${i}<${a}.length;${i}++){const ${y}=${a}[${i}];${elem(y, null)}}`;
}

function encMap(u: Unit, t: Extract<ThriftType, { kind: "map" }>, x: string, hdr: Hdr, where: string, mask: MaskNode | null): string {
  const m = u.uid("m"), k = u.uid("k"), y = u.uid("y"), W = lit(`${where}{}`);
  const entry = (vm: MaskNode | null) =>
    `${encValue(u, t.key, k, NO_HDR, `${where}{}`, null)}${encValue(u, t.value, y, NO_HDR, `${where}{}`, vm)}`;
  const kv = (compactType(t.key) << 4) | compactType(t.value);
  const head = (count: string) => `${ens(hdr.size + 6)}${hdr.code}n=${count};if(n===0)b[p++]=0;else{p=wvar32(b,p,n);b[p++]=${kv};}w.p=p;`;
  const nullCheck = `if(${k}==null||${y}==null)throw BV(${W},"a key and a value",${k}==null?${k}:${y});`;
  if (mask === null) return `${mapToMap(t, x, m, where)}${head(`${m}.size`)}for(const [${k},${y}] of ${m}){${nullCheck}${entry(null)}}`;
  const cnt = u.uid("c");
  const counting = mask.star !== undefined ? `let ${cnt}=${m}.size;`
    : `let ${cnt}=0;for(const ${k} of ${m}.keys())switch(String(${k})){${[...mask.children.keys()].map((key) => `case ${lit(String(key))}:`).join("")}${cnt}++;}`;
  return `${mapToMap(t, x, m, where)}${counting}${head(cnt)}for(const [${k},${y}] of ${m}){${nullCheck}switch(String(${k})){${maskedKeyCases(mask, entry)}}}`;
}

/** Read an unsigned varint into `n` (one-byte fast path inline). */
const varint = (W: string): string =>
  `if(p>=e)throw TR(${W});n=b[p];if(n<128)p++;else if(p+1<e&&b[p+1]<128){n=(n&127)|(b[p+1]<<7);p+=2;}else{r.p=p;n=rvar32(r,${W});p=r.p;}`;

function decValue(u: Unit, t: ThriftType, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where);
  const need = (n: number) => `if(p+${n}>e)throw TR(${W});`;
  switch (t.kind) {
    case "bool": return `${need(1)}${target}=b[p++]===1;`;
    case "i8": return `${need(1)}${target}=b[p++]<<24>>24;`;
    case "i16": case "i32": case "enum": return `${varint(W)}${target}=(n>>>1)^-(n&1);`;
    case "i64": {
      const conv = u.opts.i64 === "bigint" ? "big64(PA.hi,PA.lo)" : u.opts.i64 === "number" ? `num64(PA.hi,PA.lo,${W})` : "str64(PA.hi,PA.lo)";
      return `r.p=p;rzz64(r,${W});p=r.p;${target}=${conv};`;
    }
    case "double": return `${need(8)}${target}=rdblLE(b,p);p+=8;`;
    case "string": case "binary": {
      const read = t.kind === "string" ? "rutf8" : "rbytes";
      return `${varint(W)}if(n>e-p)throw BS(${W},n,e-p);${target}=${read}(b,p,n);p+=n;`;
    }
    case "uuid": return `${need(16)}${target}=ruuid(b,p);p+=16;`;
    case "struct": return `r.p=p;${target}=d${u.fn(t.struct, mask)}(r,d+1);p=r.p;`;
    case "list": case "set": return decList(u, t.kind, t.element, target, where, mask);
    case "map": return decMap(u, t, target, where, mask);
  }
}

const skipValue = (u: Unit, type: string): string => `r.p=p;SC(r,${type},d+1,${u.opts.maxDepth});p=r.p;`;
const isType = (v: string, t: ThriftType): string =>
  t.kind === "bool" ? `(${v}===1||${v}===2)` : `(${v}===${compactType(t)})`;

function decList(u: Unit, kind: "list" | "set", et: ThriftType, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where), ty = u.uid("t"), c = u.uid("c"), a = u.uid("a"), i = u.uid("i"), y = u.uid("y");
  const min = COMPACT_MIN_SIZE[compactType(et)]!;
  const add = kind === "list" ? "push" : "add";
  const one = (m: MaskNode | null) => `let ${y};${decValue(u, et, y, `${where}[]`, m)}${a}.${add}(${y});`;
  let body = one(null);
  if (mask !== null) {
    body = `switch(${i}){${[...mask.children].map(([k, m]) => `case ${Number(k)}:{${one(m)}break;}`).join("")}`
      + `default:{${mask.star !== undefined ? one(mask.star) : skipValue(u, ty)}}}`;
  }
  return `if(p>=e)throw TR(${W});n=b[p++];const ${ty}=n&15;let ${c}=n>>4;if(${c}===15){r.p=p;${c}=rvar32(r,${W});p=r.p;}`
    + `if(${c}*${min}>e-p)throw BS(${W},${c},e-p);`
    + `if(${c}!==0&&!${isType(ty, et)})throw BW(${W},${ty},${lit(`compact type ${compactType(et)} elements`)});`
    + `const ${a}=${kind === "list" ? "[]" : "new Set()"};for(let ${i}=0;${i}<${c};${i}++){${body}}${target}=${a};`;
}

function decMap(u: Unit, t: Extract<ThriftType, { kind: "map" }>, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where), kt = u.uid("t"), vt = u.uid("t"), c = u.uid("c"), m = u.uid("m"), i = u.uid("i"), k = u.uid("k"), y = u.uid("y");
  const min = COMPACT_MIN_SIZE[compactType(t.key)]! + COMPACT_MIN_SIZE[compactType(t.value)]!;
  const val = (vm: MaskNode | null) => `let ${y};${decValue(u, t.value, y, `${where}{}`, vm)}${m}.set(${k},${y});`;
  const body = mask === null ? val(null)
    : `switch(String(${k})){${maskedKeyCases(mask, val)}${mask.star === undefined ? `default:${skipValue(u, vt)}` : ""}}`;
  const expected = lit(`compact types ${compactType(t.key)} keys and ${compactType(t.value)} values`);
  return `${varint(W)}const ${c}=n;let ${kt}=0,${vt}=0;if(${c}!==0){if(p>=e)throw TR(${W});n=b[p++];${kt}=n>>4;${vt}=n&15;`
    + `if(!${isType(kt, t.key)}||!${isType(vt, t.value)})throw BW(${W},${isType(kt, t.key)}?${vt}:${kt},${expected});}`
    + `if(${c}*${min}>e-p)throw BS(${W},${c},e-p);`
    + `const ${m}=new Map();for(let ${i}=0;${i}<${c};${i}++){let ${k};${decValue(u, t.key, k, `${where}{}`, null)}${body}}${target}=${m};`;
}

const ZZ = (id: number): number => ((id << 1) ^ (id >> 31)) >>> 0;

const parts: ProtocolParts = {
  encLocals: ",l=0",
  encField(u: Unit, f: ThriftField, where: string, mask: MaskNode | null): string {
    const id = f.id;
    const head = (ct: string) => `if(${id}>l&&${id}-l<=15)b[p++]=(${id}-l)<<4|${ct};else{b[p++]=${ct};p=wvar32(b,p,${ZZ(id)});}l=${id};`;
    if (f.type.kind === "bool") return `${valueCheck(f.type, "x", where)}${ens(4)}${head("(x?1:2)")}w.p=p;`;
    return encValue(u, f.type, "x", { size: 4, code: head(String(compactType(f.type))) }, where, mask);
  },
  encStop: "if(w.p+1>w.c)w.grow(1);w.b[w.p++]=0;",
  decLocals: ",l=0",
  decLoopHead(where: string): string {
    const W = lit(where);
    return `if(p>=e)throw TR(${W});n=b[p++];if(n===0)break;t=n&15;`
      + `if(n>>4!==0)id=l+(n>>4);else{r.p=p;n=rvar32(r,${W});p=r.p;id=(n>>>1)^-(n&1);}l=id;`;
  },
  typeMatches: (ft: ThriftType) => isType("t", ft),
  decField(u: Unit, ft: ThriftType, target: string, where: string, mask: MaskNode | null): string {
    return ft.kind === "bool" ? `${target}=t===${CType.BOOLEAN_TRUE};` : decValue(u, ft, target, where, mask);
  },
  skipField: (u: Unit) => `r.p=p;SC(r,t,d+1,${u.opts.maxDepth},true);p=r.p;`,
};

/** The compact protocol's generator. @internal */
export const compactGenerator: StructGenerator = {
  encoder: (u: Unit, s: ThriftStruct, mask: MaskNode | null) => structEncoder(u, s, mask, parts),
  decoder: (u: Unit, s: ThriftStruct, mask: MaskNode | null) => structDecoder(u, s, mask, parts),
};
