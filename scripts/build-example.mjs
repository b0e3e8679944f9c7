// Bundles the demo page (example/web/app.ts and everything it imports: better-auth/client, qrcode) into
// example/web/dist/app.js with esbuild, so the page needs no CDN and works offline.
// Run by `npm run build` (and so by `npm install`), by `npm run build:example`, and by the demo server
// at start when the bundle is missing or older than its sources.
import { build } from "esbuild";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const webDir = join(root, "example", "web");
export const bundlePath = join(webDir, "dist", "app.js");

function newestSourceTime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === "dist") continue;
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSourceTime(path) : stat.mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or a file under example/web is newer than it. */
export function isBundleStale() {
  try {
    return statSync(bundlePath).mtimeMs < newestSourceTime(webDir);
  } catch {
    return true;
  }
}

/** Builds the page bundle; with `{ ifStale: true }` only when isBundleStale(). Returns whether it built. */
export async function buildExample({ ifStale = false } = {}) {
  if (ifStale && !isBundleStale()) return false;
  await build({
    entryPoints: [join(webDir, "app.ts")],
    outfile: bundlePath,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    sourcemap: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildExample();
  console.log(`built ${bundlePath}`);
}
