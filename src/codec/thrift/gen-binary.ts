import type { ThriftField, ThriftStruct, ThriftType } from "../../idl/thrift/index.js";
import { maskedKeyCases, maskedListLoop, structDecoder, structEncoder, type ProtocolParts } from "./gen-struct.js";
import { lit, mapToMap, setToArray, valueCheck, type StructGenerator, type Unit } from "./gen-unit.js";
import type { MaskNode } from "./mask-node.js";
import { BINARY_MIN_SIZE, binaryType, ttypeName } from "./wire.js";

const ens = (n: string | number): string => `if(w.p+${n}>w.c)w.grow(${n});b=w.b;p=w.p;`;
const put32 = (v: string): string => `b[p++]=${v}>>24;b[p++]=${v}>>16;b[p++]=${v}>>8;b[p++]=${v};`;
const get32 = (at: string): string => `(b[${at}]<<24|b[${at}+1]<<16|b[${at}+2]<<8|b[${at}+3])`;

/** Code writing a non-null value `x` of type `t`, preceded by `hdr` (`size` bytes of header code). */
function encValue(u: Unit, t: ThriftType, x: string, hdr: { size: number; code: string }, where: string, mask: MaskNode | null): string {
  const H = hdr.size, W = lit(where);
  const check = valueCheck(t, x, where);
  switch (t.kind) {
    case "bool": return `${check}${ens(H + 1)}${hdr.code}b[p++]=${x}?1:0;w.p=p;`;
    case "i8": return `${check}${ens(H + 1)}${hdr.code}b[p++]=${x};w.p=p;`;
    case "i16": return `${check}${ens(H + 2)}${hdr.code}b[p++]=${x}>>8;b[p++]=${x};w.p=p;`;
    case "i32": case "enum": return `${check}${ens(H + 4)}${hdr.code}${put32(x)}w.p=p;`;
    case "i64": return `split64(${x},${W});${ens(H + 8)}${hdr.code}n=PA.hi;${put32("n")}n=PA.lo;${put32("n")}w.p=p;`;
    case "double": return `${check}${ens(H + 8)}${hdr.code}wdblBE(b,p,${x});w.p=p+8;`;
    case "string": return `${check}${ens(`${H + 4}+${x}.length*3`)}${hdr.code}n=wutf8(b,p+4,${x});${put32("n")}w.p=p+n;`;
    case "binary": {
      const y = u.uid("y");
      return `const ${y}=toBytes(${x},${W});${ens(`${H + 4}+${y}.length`)}${hdr.code}n=${y}.length;${put32("n")}b.set(${y},p);w.p=p+n;`;
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

function encList(u: Unit, et: ThriftType, a: string, hdr: { size: number; code: string }, where: string, mask: MaskNode | null): string {
  const W = lit(`${where}[]`);
  const elem = (y: string, m: MaskNode | null) => `if(${y}==null)throw BV(${W},"a value",${y});${encValue(u, et, y, NO_HDR, `${where}[]`, m)}`;
  const head = (count: string) => `${ens(hdr.size + 5)}${hdr.code}b[p++]=${binaryType(et)};n=${count};${put32("n")}w.p=p;`;
  if (mask !== null) {
    const cnt = u.uid("c");
    const { count, loop } = maskedListLoop(u, a, cnt, mask, elem);
    return `${count}${head(cnt)}${loop}`;
  }
  const i = u.uid("i"), y = u.uid("y");
  return `${head(`${a}.length`)}for(let ${i}=0;${i}<${a}.length;${i}++){const ${y}=${a}[${i}];${elem(y, null)}}`;
}

function encMap(u: Unit, t: Extract<ThriftType, { kind: "map" }>, x: string, hdr: { size: number; code: string }, where: string, mask: MaskNode | null): string {
  const m = u.uid("m"), k = u.uid("k"), y = u.uid("y"), W = lit(`${where}{}`);
  const entry = (vm: MaskNode | null) =>
    `${encValue(u, t.key, k, NO_HDR, `${where}{}`, null)}${encValue(u, t.value, y, NO_HDR, `${where}{}`, vm)}`;
  const head = (count: string) => `${ens(hdr.size + 6)}${hdr.code}b[p++]=${binaryType(t.key)};b[p++]=${binaryType(t.value)};n=${count};${put32("n")}w.p=p;`;
  const nullCheck = `if(${k}==null||${y}==null)throw BV(${W},"a key and a value",${k}==null?${k}:${y});`;
  if (mask === null) return `${mapToMap(t, x, m, where)}${head(`${m}.size`)}for(const [${k},${y}] of ${m}){${nullCheck}${entry(null)}}`;
  const cnt = u.uid("c");
  const counting = mask.star !== undefined ? `let ${cnt}=${m}.size;`
    : `let ${cnt}=0;for(const ${k} of ${m}.keys())switch(String(${k})){${[...mask.children.keys()].map((key) => `case ${lit(String(key))}:`).join("")}${cnt}++;}`;
  return `${mapToMap(t, x, m, where)}${counting}${head(cnt)}for(const [${k},${y}] of ${m}){${nullCheck}switch(String(${k})){${maskedKeyCases(mask, entry)}}}`;
}

const NO_HDR = { size: 0, code: "" };

/** Code reading a value of type `t` into `target`. */
function decValue(u: Unit, t: ThriftType, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where);
  const need = (n: number) => `if(p+${n}>e)throw TR(${W});`;
  switch (t.kind) {
    case "bool": return `${need(1)}${target}=b[p++]!==0;`;
    case "i8": return `${need(1)}${target}=b[p++]<<24>>24;`;
    case "i16": return `${need(2)}${target}=(b[p]<<24|b[p+1]<<16)>>16;p+=2;`;
    case "i32": case "enum": return `${need(4)}${target}=${get32("p")};p+=4;`;
    case "i64": {
      const hi = get32("p"), lo = `${get32("p+4")}>>>0`;
      const conv = u.opts.i64 === "bigint" ? `big64(${hi},${lo})` : u.opts.i64 === "number" ? `num64(${hi},${lo},${W})` : `str64(${hi},${lo})`;
      return `${need(8)}${target}=${conv};p+=8;`;
    }
    case "double": return `${need(8)}${target}=rdblBE(b,p);p+=8;`;
    case "string": case "binary": {
      const read = t.kind === "string" ? "rutf8" : "rbytes";
      return `${need(4)}n=${get32("p")};p+=4;if(n<0||n>e-p)throw BS(${W},n,e-p);${target}=${read}(b,p,n);p+=n;`;
    }
    case "uuid": return `${need(16)}${target}=ruuid(b,p);p+=16;`;
    case "struct": return `r.p=p;${target}=d${u.fn(t.struct, mask)}(r,d+1);p=r.p;`;
    case "list": case "set": return decList(u, t.kind, t.element, target, where, mask);
    case "map": return decMap(u, t, target, where, mask);
  }
}

function skipValue(u: Unit, type: string): string {
  return `r.p=p;SB(r,${type},d+1,${u.opts.maxDepth});p=r.p;`;
}

function decList(u: Unit, kind: "list" | "set", et: ThriftType, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where), ty = u.uid("t"), c = u.uid("c"), a = u.uid("a"), i = u.uid("i"), y = u.uid("y");
  const ET = binaryType(et), min = BINARY_MIN_SIZE[ET]!;
  const add = kind === "list" ? "push" : "add";
  const one = (m: MaskNode | null) => `let ${y};${decValue(u, et, y, `${where}[]`, m)}${a}.${add}(${y});`;
  let body = one(null);
  if (mask !== null) {
    body = `switch(${i}){${[...mask.children].map(([k, m]) => `case ${Number(k)}:{${one(m)}break;}`).join("")}`
      + `default:{${mask.star !== undefined ? one(mask.star) : skipValue(u, ty)}}}`;
  }
  return `if(p+5>e)throw TR(${W});const ${ty}=b[p],${c}=${get32("p+1")};p+=5;`
    + `if(${c}<0||${c}*${min}>e-p)throw BS(${W},${c},e-p);`
    + `if(${ty}!==${ET}&&${c}!==0)throw BW(${W},${ty},${lit(`${ttypeName(ET)} elements`)});`
    + `const ${a}=${kind === "list" ? "[]" : "new Set()"};for(let ${i}=0;${i}<${c};${i}++){${body}}${target}=${a};`;
}

function decMap(u: Unit, t: Extract<ThriftType, { kind: "map" }>, target: string, where: string, mask: MaskNode | null): string {
  const W = lit(where), kt = u.uid("t"), vt = u.uid("t"), c = u.uid("c"), m = u.uid("m"), i = u.uid("i"), k = u.uid("k"), y = u.uid("y");
  const KT = binaryType(t.key), VT = binaryType(t.value), min = BINARY_MIN_SIZE[KT]! + BINARY_MIN_SIZE[VT]!;
  const val = (vm: MaskNode | null) => `let ${y};${decValue(u, t.value, y, `${where}{}`, vm)}${m}.set(${k},${y});`;
  const body = mask === null ? val(null)
    : `switch(String(${k})){${maskedKeyCases(mask, val)}${mask.star === undefined ? `default:${skipValue(u, vt)}` : ""}}`;
  return `if(p+6>e)throw TR(${W});const ${kt}=b[p],${vt}=b[p+1],${c}=${get32("p+2")};p+=6;`
    + `if(${c}<0||${c}*${min}>e-p)throw BS(${W},${c},e-p);`
    + `if(${c}!==0&&(${kt}!==${KT}||${vt}!==${VT}))throw BW(${W},${kt}!==${KT}?${kt}:${vt},${lit(`${ttypeName(KT)} keys and ${ttypeName(VT)} values`)});`
    + `const ${m}=new Map();for(let ${i}=0;${i}<${c};${i}++){let ${k};${decValue(u, t.key, k, `${where}{}`, null)}${body}}${target}=${m};`;
}

const parts: ProtocolParts = {
  encLocals: "",
  encField(u: Unit, f: ThriftField, where: string, mask: MaskNode | null): string {
    const hdr = { size: 3, code: `b[p++]=${binaryType(f.type)};b[p++]=${(f.id >> 8) & 255};b[p++]=${f.id & 255};` };
    return encValue(u, f.type, "x", hdr, where, mask);
  },
  encStop: "if(w.p+1>w.c)w.grow(1);w.b[w.p++]=0;",
  decLocals: "",
  decLoopHead(where: string): string {
    const W = lit(where);
    return `if(p>=e)throw TR(${W});t=b[p++];if(t===0)break;if(p+2>e)throw TR(${W});id=(b[p]<<24|b[p+1]<<16)>>16;p+=2;`;
  },
  typeMatches: (ft: ThriftType) => `t===${binaryType(ft)}`,
  decField: decValue,
  skipField: (u: Unit) => skipValue(u, "t"),
};

/** The strict binary protocol's generator. @internal */
export const binaryGenerator: StructGenerator = {
  encoder: (u: Unit, s: ThriftStruct, mask: MaskNode | null) => structEncoder(u, s, mask, parts),
  decoder: (u: Unit, s: ThriftStruct, mask: MaskNode | null) => structDecoder(u, s, mask, parts),
};
