// The vector suite (test/crypto/suite.ts) and src/crypto/index.ts bundled for the browser with esbuild
// (platform browser: a Node-only import would fail the bundle), served from 127.0.0.1 and run in headless
// Debian Chromium through playwright-core, once on the automatically chosen build and once on the forced
// scalar build. Without /usr/bin/chromium the test fails in CI and is skipped (with the reason) elsewhere.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.js";

const here = dirname(fileURLToPath(import.meta.url));
const available = existsSync(CHROMIUM);
const skip = available ? false : `Chromium not found at ${CHROMIUM}`;
if (!available && process.env.CI) throw new Error(`CI requires ${CHROMIUM} for the browser crypto tests`);
if (skip) console.log(`skipping browser crypto tests: ${skip}`);

// Runs in the page: picks the build from the query string, runs every check, publishes a summary.
const entry = `
import { wasmCrypto } from "../../src/crypto/index.js";
import { loadedBuild, selectBuild } from "../../src/crypto/internal.js";
import { coreSuite } from "../crypto/suite.js";
const wanted = new URLSearchParams(location.search).get("build");
if (wanted === "scalar") selectBuild("scalar");
const failed = [];
let passed = 0;
for (const check of coreSuite(wasmCrypto)) {
  try { check.run(); passed++; } catch (error) { failed.push({ name: check.name, message: String(error && error.message || error) }); }
}
window.__results = { build: loadedBuild(), passed, failed };
`;

interface PageResults {
  build: "simd" | "scalar";
  passed: number;
  failed: { name: string; message: string }[];
}

describe("kernia/crypto in headless Chromium", { skip }, () => {
  let server: Server;
  let browser: Browser;
  let origin = "";

  before(async () => {
    const bundle = await build({
      stdin: { contents: entry, resolveDir: here, sourcefile: "browser-entry.ts", loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const js = bundle.outputFiles[0].text;
    const html = `<!doctype html><meta charset="utf-8"><title>kernia crypto</title><script type="module" src="/suite.js"></script>`;
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      if (path === "/suite.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
      else if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function run(query: string): Promise<PageResults> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    try {
      await page.goto(`${origin}/${query}`);
      await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, null, {
        timeout: 60_000,
      });
      assert.deepEqual(errors, [], "no uncaught errors in the page");
      return (await page.evaluate(() => (window as unknown as { __results: PageResults }).__results)) as PageResults;
    } finally {
      await page.close();
    }
  }

  for (const [label, query, expectedBuild] of [
    ["automatic build choice", "", "simd"],
    ["forced scalar build", "?build=scalar", "scalar"],
  ] as const) {
    test(`vector suite passes: ${label}`, async () => {
      const results = await run(query);
      console.log(`chromium ${label}: ${results.passed} checks passed on the ${results.build} build`);
      assert.deepEqual(results.failed, []);
      assert.ok(results.passed > 50, `ran the whole suite (${results.passed} checks)`);
      // Chromium supports WASM SIMD, so the automatic choice must be the SIMD build.
      assert.equal(results.build, expectedBuild);
    });
  }
});
