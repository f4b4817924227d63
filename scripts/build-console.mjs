// Bundles the web console (console/src) into dist/console: one ES module and one stylesheet, both
// named by a hash of their content so Berth can serve them with a year-long immutable cache, and
// index.html (never cached) naming them. Each script and stylesheet is also written compressed
// (name.br, name.gz, at the strongest levels: once at build time, never per request) for Berth to
// send to a browser that accepts it. Everything the console needs is in these files: it
// fetches nothing from outside the machine at run time.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "console");
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(root, "console", "src", "main.tsx")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: out,
  entryNames: "app-[hash]",
  // Each page's module (and the SDK clients only it uses) is a chunk of its own, fetched when the
  // page is first shown: the first page parses less.
  splitting: true,
  chunkNames: "chunk-[hash]",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});
const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
const script = files.find((f) => /^app-.*\.js$/.test(f));
const style = files.find((f) => /^app-.*\.css$/.test(f));
// The chunks the entry imports statically are named in the page, so the browser fetches them with
// the entry rather than after parsing it.
// The landing page's module (the clusters pages) and what it imports are named too: the browser
// fetches them while it parses the entry instead of after (one round trip less before the first
// AWS call). Other pages' modules are fetched when first shown.
const outputs = result.metafile.outputs;
const landing = Object.keys(outputs).find((f) => outputs[f].entryPoint?.endsWith("console/src/pages/clusters.tsx"));
const staticImports = (f, seen = new Set()) => {
  for (const i of outputs[f].imports) if (i.kind === "import-statement" && !seen.has(i.path)) (seen.add(i.path), staticImports(i.path, seen));
  return seen;
};
const preloaded = new Set([...staticImports(Object.keys(outputs).find((f) => basename(f) === script)), ...(landing ? [landing, ...staticImports(landing)] : [])]);
const preloads = [...preloaded].map((f) => `<link rel="modulepreload" href="/console/${basename(f)}">`).join("\n");
const html = readFileSync(join(root, "console", "index.html"), "utf8").replace("%SCRIPT%", `/console/${script}`).replace("%STYLE%", `/console/${style}`).replace("%PRELOADS%", preloads);
writeFileSync(join(out, "index.html"), html);
for (const f of files.filter((f) => f.endsWith(".js") || f.endsWith(".css"))) {
  const bytes = readFileSync(join(out, f));
  writeFileSync(join(out, `${f}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
  writeFileSync(join(out, `${f}.gz`), gzipSync(bytes, { level: 9 }));
}
const gz = (f) => gzipSync(readFileSync(join(out, f)), { level: 9 }).length;
const all = files.filter((f) => f.endsWith(".js") || f.endsWith(".css")).reduce((n, f) => n + gz(f), 0);
console.log(`console: ${script} ${(gz(script) / 1024).toFixed(1)} KB gzipped, ${style} ${(gz(style) / 1024).toFixed(1)} KB gzipped; all ${files.length} files ${(all / 1024).toFixed(1)} KB gzipped`);
