import ts from "typescript";
import { readFileSync, readdirSync } from "node:fs";
const pkg = JSON.parse(readFileSync("package.json","utf8"));
const entries = Object.entries(pkg.exports).map(([k,v])=>[k==="."?"weir":"weir"+k.slice(1), v.types]);
const program = ts.createProgram(entries.map(e=>e[1]), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, types: ["node"] });
const checker = program.getTypeChecker();
const docs = ["README.md", ...readdirSync("docs").map(f=>"docs/"+f)].map(f=>readFileSync(f,"utf8")).join("\n");
const ticks = new Set(); for (const m of docs.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)) for (const w of m[0].matchAll(/[A-Za-z_$][\w$]*/g)) ticks.add(w[0]);
let total=0, undoc=0;
for (const [name, file] of entries) {
  const sf = program.getSourceFile(file); const mod = checker.getSymbolAtLocation(sf);
  const out=[];
  for (const s of checker.getExportsOfModule(mod)) {
    const t = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const doc = ts.displayPartsToString(t.getDocumentationComment(checker)).trim();
    const internal = t.getJsDocTags().some(x=>x.name==="internal");
    const inDocs = ticks.has(s.name);
    total++; if (!doc && !inDocs) undoc++;
    const declFile = t.declarations?.[0]?.getSourceFile().fileName.replace(/.*dist\/src\//,"") ?? "?";
    out.push(`${(doc?"T":"-")}${inDocs?"D":"-"}${internal?"I":"-"} ${s.name} ${declFile}`);
  }
  console.log(`## ${name} (${out.length})`); console.log(out.sort().join("\n"));
}
console.log("total", total, "undocumented", undoc);
