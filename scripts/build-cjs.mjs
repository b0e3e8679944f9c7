// Builds the CommonJS copy of the package into dist/cjs, so `require("kernia/...")` works in apps that
// are not ES modules (an `npm init -y` app is CommonJS). Run by `npm run build` after `tsc` has written
// the ES module build and its declarations into dist/.
//
// Each source file is compiled on its own (no bundling), so dist/cjs has the same module layout as dist/
// and every subpath export loads only what it imports. dist/cjs/package.json says `"type": "commonjs"`:
// Node and TypeScript decide a `.js`/`.d.ts` file's module format from the nearest package.json
// (Node's "Determining module system"; TypeScript's `module: nodenext` does the same for declarations),
// so the copied declarations there describe CommonJS modules and a CommonJS TypeScript app can `require`
// them without TS1479. The declarations are tsc's, copied unchanged: one source of types for both builds.
//
// Dynamic `import()` (the CLI loading a config file) stays a real `import()` in CommonJS output, which
// Node supports, so ES module configs still load; esbuild keeps it because the target (node20) has it.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
const out = join(dist, "cjs");

function walk(dir, keep, skip) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === skip) return [];
    if (statSync(path).isDirectory()) return walk(path, keep, skip);
    return keep(name) ? [path] : [];
  });
}

rmSync(out, { recursive: true, force: true });

const sources = walk(src, (name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
await build({
  entryPoints: sources,
  outdir: out,
  outbase: src,
  bundle: false,
  format: "cjs",
  platform: "node",
  target: ["node20"],
  sourcemap: true,
  logLevel: "warning",
});
writeFileSync(join(out, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

const declarations = walk(dist, (name) => name.endsWith(".d.ts"), out);
if (declarations.length === 0) {
  console.error("build-cjs: no declarations in dist/ (run tsc -p tsconfig.build.json first)");
  process.exit(1);
}
for (const file of declarations) {
  const target = join(out, relative(dist, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
console.log(`build-cjs: ${sources.length} modules and ${declarations.length} declarations in ${relative(root, out)}`);
