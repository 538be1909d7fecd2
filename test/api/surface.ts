// The public surface: every name each package entry exports, read from the built declaration files
// with the TypeScript checker (type-only names included), with the TSDoc of its declaration and the
// docs/ pages that mention it in code. `node dist/test/api/surface.js --write` regenerates docs/api.md.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
/** Generated from the entries; not counted as documentation of a name. */
export const API_PAGE = "docs/api.md";

export interface ExportedName {
  readonly name: string;
  /** "function", "class", "const", "type", "interface" or "enum". */
  readonly kind: string;
  /** The first sentence of the TSDoc on its declaration, "" when there is none. */
  readonly summary: string;
  readonly internal: boolean;
  /** Doc pages (README.md, docs/*.md but the API page) naming it in a code span or block. */
  readonly pages: readonly string[];
}

export interface Entry {
  /** The import specifier: `weir`, `weir/grpc`, … */
  readonly specifier: string;
  readonly types: string;
  readonly runtime: string;
  /** The TSDoc at the top of the entry file. */
  readonly summary: string;
  readonly names: readonly ExportedName[];
}

const KINDS: [ts.SymbolFlags, string][] = [
  [ts.SymbolFlags.Function, "function"], [ts.SymbolFlags.Class, "class"], [ts.SymbolFlags.Enum, "enum"],
  [ts.SymbolFlags.Variable, "const"], [ts.SymbolFlags.Interface, "interface"], [ts.SymbolFlags.TypeAlias, "type"],
];

function entriesOfPackage(): { specifier: string; types: string; runtime: string }[] {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };
  return Object.entries(pkg.exports).map(([key, target]) => ({
    specifier: key === "." ? "weir" : `weir${key.slice(1)}`,
    types: path.join(root, target.types),
    runtime: path.join(root, target.default),
  }));
}

/** Identifiers inside code spans and fenced blocks, by page. */
function codeWordsByPage(): Map<string, Set<string>> {
  const pages = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const byPage = new Map<string, Set<string>>();
  for (const page of pages.filter((p) => p !== API_PAGE)) {
    const words = new Set<string>();
    for (const code of readFileSync(path.join(root, page), "utf8").matchAll(/```[\s\S]*?```|`[^`\n]+`/g)) {
      for (const word of code[0].matchAll(/[A-Za-z_$][\w$]*/g)) words.add(word[0]);
    }
    byPage.set(page, words);
  }
  return byPage;
}

const flatten = (text: string) => text.replace(/\s+/g, " ").trim();

function firstSentence(text: string): string {
  const flat = flatten(text);
  const end = flat.search(/\.(\s|$)/);
  const sentence = end === -1 ? flat : flat.slice(0, end + 1);
  const short = sentence.length <= 160 ? sentence : `${sentence.slice(0, sentence.lastIndexOf(" ", 159))} …`;
  return short.replace(/\|/g, "\\|");
}

function describeSymbol(checker: ts.TypeChecker, exported: ts.Symbol, pages: Map<string, Set<string>>): ExportedName {
  const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const kind = KINDS.find(([flag]) => target.flags & flag)?.[1] ?? "other";
  const doc = ts.displayPartsToString(target.getDocumentationComment(checker));
  const internal = target.getJsDocTags(checker).some((t) => t.name === "internal");
  const mentions = [...pages].filter(([, words]) => words.has(exported.name)).map(([page]) => page);
  return { name: exported.name, kind, summary: firstSentence(doc), internal, pages: mentions };
}

/** Every entry of package.json `exports` with the names it exports (run after `npm run build`). */
export function publicSurface(): Entry[] {
  const entries = entriesOfPackage();
  const program = ts.createProgram(entries.map((e) => e.types), {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, types: ["node"],
  });
  const checker = program.getTypeChecker();
  const pages = codeWordsByPage();
  return entries.map((e) => {
    const source = program.getSourceFile(e.types);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${e.types} is missing: build first`);
    const names = checker.getExportsOfModule(module).map((s) => describeSymbol(checker, s, pages)).sort((a, b) => a.name.localeCompare(b.name));
    const summary = flatten(/\/\*\*([\s\S]*?)\*\//.exec(readFileSync(e.types, "utf8"))?.[1]?.replace(/^\s*\* ?/gm, " ") ?? "");
    return { ...e, summary, names };
  });
}

/** docs/api.md: each entry, then each name with its kind, its TSDoc summary and the pages that show it. */
export function apiPage(entries: readonly Entry[]): string {
  const lines = [
    "# API: the package entries and their names",
    "",
    "Generated from the built entries by `npm run api` (`test/api/surface.ts`); a test fails when it is stale.",
    "Each name has TSDoc (its first sentence is shown) or a page of `docs/` that shows it, or both.",
    "",
    "Naming: factories are `createXxx()` (`createServer`, `createClient`); middleware factories and",
    "strategies are short words (`retry()`, `timeout()`, `weightedRoundRobin()`); a function returning a",
    "`ServiceDescriptor` is named `xxxDescriptor()`. Options a user passes are `XxxOptions`, resolved by",
    "`resolveXxxOptions()` into `ResolvedXxxOptions`, with defaults in the frozen `XXX_DEFAULTS`; a policy",
    "(plain data, reloadable) follows the same pattern as `XxxPolicy`. Metadata key constants end in `_HEADER`.",
    "",
  ];
  for (const e of entries) {
    lines.push(`## \`${e.specifier}\``, "", e.summary, "", "| name | kind | summary | shown in |", "|---|---|---|---|");
    for (const n of e.names) {
      const pages = n.pages.map((p) => `[${path.basename(p, ".md")}](${path.relative("docs", p)})`).join(", ");
      lines.push(`| \`${n.name}\` | ${n.kind} | ${n.summary} | ${pages} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write")) {
  writeFileSync(path.join(root, API_PAGE), apiPage(publicSurface()));
  console.log(`wrote ${API_PAGE}`);
}
