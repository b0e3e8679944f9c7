/**
 * `kernia/crypto` as front-end code gets it: resolved by package name (a temp project whose
 * node_modules/kernia is a symlink to this repo, so the package's built dist is reached through its
 * `exports`), bundled by esbuild, Vite 8 and webpack 5 with their default configuration (no plugins, no
 * polyfills, no resolve tweaks), and loaded with no bundler at all as a plain `<script type="module">` with an
 * import map. Every page runs the RFC 4226 / RFC 6238 vectors in one headless Chromium, served from
 * 127.0.0.1. Also: a page under a CSP that allows 'wasm-unsafe-eval', a page under one that does not (the
 * module loads, the first call fails clearly, so the app can fall back), that no Node-only module and no
 * top-level await reaches the browser graph, and that `sideEffects` lets an unused import drop the core.
 * All bundles are built once, before the pages run. Without /usr/bin/chromium the suite fails in CI and is
 * skipped (with the reason) elsewhere.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build as esbuild, type Metafile } from "esbuild";
import { createLogger, build as viteBuild } from "vite";
import webpack from "webpack";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { RFC4226_SECRET, RFC4226_VECTORS } from "../crypto/vectors/rfc4226.js";
import { RFC6238_SEEDS, RFC6238_VECTORS } from "../crypto/vectors/rfc6238.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const available = existsSync(CHROMIUM);
const skip = available ? false : `Chromium not found at ${CHROMIUM}`;
if (!available && process.env.CI) throw new Error(`CI requires ${CHROMIUM} for the bundler tests`);
if (skip) console.log(`skipping bundler tests: ${skip}`);
for (const built of ["dist/crypto/index.js", "dist/otplib/index.js", "dist/testing/index.js"]) {
  if (!existsSync(join(REPO, built))) throw new Error(`${built} is missing: run npm run build first`);
}

/** 10 HOTP + 6 times x 3 hashes TOTP, each checked with generate and with verify. */
const EXPECTED_CHECKS = RFC4226_VECTORS.length * 2 + RFC6238_VECTORS.length * 3 * 2;

/**
 * The page's program: plain JavaScript (webpack's default config has no TypeScript loader), the vectors
 * inlined from test/crypto/vectors, the result published on window.__results.
 */
function vectorPage(): string {
  const hotp = RFC4226_VECTORS.map((v) => ({ counter: v.counter, code: v.hotp }));
  const totp = RFC6238_VECTORS.flatMap((v) =>
    (["SHA-1", "SHA-256", "SHA-512"] as const).map((algorithm) => ({
      time: v.time,
      algorithm,
      seed: RFC6238_SEEDS[algorithm],
      code: v.totp[algorithm],
    })),
  );
  return `import { hotp, totp, verifyTotp } from "kernia/crypto";
const HOTP = ${JSON.stringify(hotp)};
const TOTP = ${JSON.stringify(totp)};
const ascii = (text) => new TextEncoder().encode(text);
const results = { passed: 0, failed: [], error: null };
const check = (name, actual, expected) => {
  if (actual === expected) results.passed++;
  else results.failed.push({ name, actual: String(actual), expected: String(expected) });
};
try {
  const key = ascii(${JSON.stringify(RFC4226_SECRET)});
  for (const v of HOTP) {
    check("RFC 4226 counter " + v.counter, hotp(key, v.counter), v.code);
    check("RFC 4226 counter " + v.counter + " (6238 verify at its step)", verifyTotp(key, v.code, { time: v.counter * 30000, window: 0 }).valid, true);
  }
  for (const v of TOTP) {
    const options = { time: v.time * 1000, digits: 8, algorithm: v.algorithm };
    check("RFC 6238 " + v.time + " " + v.algorithm, totp(ascii(v.seed), options), v.code);
    check("RFC 6238 " + v.time + " " + v.algorithm + " verify", verifyTotp(ascii(v.seed), v.code, options).valid, true);
  }
} catch (error) {
  results.error = { name: error && error.name, message: String(error && error.message || error) };
}
window.__results = results;
`;
}

interface PageResults {
  passed: number;
  failed: { name: string; actual: string; expected: string }[];
  error: { name: string; message: string } | null;
}

interface Resource {
  body: string | Uint8Array;
  type: string;
  headers?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};
const page = (script: string, head = "") =>
  `<!doctype html><html><head><meta charset="utf-8"><title>kernia</title>${head}</head><body>${script}</body></html>`;

/** Every file under `dir`, as [path relative to dir with forward slashes, absolute path]. */
function filesUnder(dir: string): [string, string][] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path).map(([rel, abs]) => [`${name}/${rel}`, abs] as [string, string]);
    return [[name, path] as [string, string]];
  });
}

function webpackBuild(config: webpack.Configuration): Promise<webpack.Stats> {
  return new Promise((done, fail) => {
    webpack(config, (error, stats) => (error || !stats ? fail(error ?? new Error("webpack returned no stats")) : done(stats)));
  });
}

/** The esbuild inputs from the kernia package's dist (paths relative to the repo), its dependencies, and the rest. */
function kerniaInputs(metafile: Metafile, project: string): { kernia: string[]; dependencies: string[]; others: string[] } {
  const kernia: string[] = [];
  const dependencies: string[] = [];
  const others: string[] = [];
  for (const input of Object.keys(metafile.inputs)) {
    const path = relative(REPO, resolve(project, input)).split(sep).join("/");
    const inModules = path.lastIndexOf("node_modules/");
    if (inModules >= 0)
      dependencies.push(path.slice(inModules)); // node_modules may be a symlink elsewhere
    else if (path.startsWith("dist/")) kernia.push(path);
    else others.push(input);
  }
  return { kernia: kernia.sort(), dependencies: dependencies.sort(), others };
}

describe("kernia/crypto bundled and loaded in the browser", { skip }, () => {
  let project = "";
  let server: Server;
  let browser: Browser;
  let origin = "";
  const routes = new Map<string, Resource>();
  const built: Record<string, { metafile?: Metafile; text?: string; warnings?: string[] }> = {};

  before(async () => {
    project = mkdtempSync(join(tmpdir(), "kernia-bundlers-"));
    mkdirSync(join(project, "node_modules"));
    symlinkSync(REPO, join(project, "node_modules", "kernia"), "dir");
    mkdirSync(join(project, "src"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "kernia-bundler-check", private: true, type: "module" }));
    writeFileSync(join(project, "src", "index.js"), vectorPage());
    // An import whose binding ends up unused (a dead branch, a helper that was removed).
    writeFileSync(join(project, "src", "unused.js"), `import { sha256 } from "kernia/crypto";\nwindow.__unused = true;\n`);
    writeFileSync(join(project, "index.html"), page(`<script type="module" src="/src/index.js"></script>`));
    // kernia/testing and kernia/otplib, exposed for page.evaluate.
    const helpers = `import * as testing from "kernia/testing";\nimport { crypto as otplibPlugin } from "kernia/otplib";\nwindow.kernia = { testing, otplibPlugin };\n`;
    writeFileSync(join(project, "src", "helpers.js"), helpers);

    // esbuild: bundle on its default platform (browser) and default format for it (iife), which refuses
    // Node built-ins (they do not resolve) and top-level await (iife cannot express it).
    const esb = await esbuild({
      absWorkingDir: project,
      entryPoints: ["src/index.js"],
      bundle: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    built.esbuild = { metafile: esb.metafile, text: esb.outputFiles[0].text, warnings: esb.warnings.map((w) => w.text) };
    const unused = await esbuild({
      absWorkingDir: project,
      entryPoints: ["src/unused.js"],
      bundle: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    built.unused = { metafile: unused.metafile, text: unused.outputFiles[0].text };
    const helpersBundle = await esbuild({
      absWorkingDir: project,
      entryPoints: ["src/helpers.js"],
      bundle: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    built.helpers = {
      metafile: helpersBundle.metafile,
      text: helpersBundle.outputFiles[0].text,
      warnings: helpersBundle.warnings.map((w) => w.text),
    };

    // Vite 8: no config file, only where to build from and to.
    const viteOut = join(project, "out", "vite");
    const viteLogger = createLogger("warn", { allowClearScreen: false });
    const viteWarnings: string[] = [];
    viteLogger.warn = (message) => void viteWarnings.push(message);
    viteLogger.warnOnce = (message) => void viteWarnings.push(message);
    await viteBuild({ root: project, configFile: false, customLogger: viteLogger, build: { outDir: viteOut, emptyOutDir: true } });
    built.vite = { warnings: viteWarnings };
    for (const [rel, abs] of filesUnder(viteOut))
      routes.set(`/${rel}`, { body: readFileSync(abs), type: TYPES[extname(rel)] ?? "application/octet-stream" });

    // webpack 5, Node API: its defaults (entry ./src/index.js, output dist/main.js) in production mode.
    const webpackOut = join(project, "out", "webpack");
    const stats = await webpackBuild({ context: project, mode: "production", output: { path: webpackOut } });
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    built.webpack = { text: readFileSync(join(webpackOut, "main.js"), "utf8"), warnings: (info.warnings ?? []).map((w) => w.message) };
    assert.deepEqual(
      (info.errors ?? []).map((e) => e.message),
      [],
      "webpack built without errors",
    );

    // No bundler: the package's own dist files, reached through an import map built from its `exports`.
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      exports: Record<string, { import: { default: string } }>;
    };
    const exported = (entry: string) => `/node_modules/kernia/${pkg.exports[entry].import.default.replace(/^\.\//, "")}`;
    const importMap = { imports: { "kernia/crypto": exported("./crypto"), "kernia/testing": exported("./testing") } };

    const csp = (policy: string) => ({ "content-security-policy": policy });
    routes.set("/esbuild/", { body: page(`<script src="/esbuild/main.js"></script>`), type: TYPES[".html"] });
    routes.set("/esbuild/main.js", { body: built.esbuild.text!, type: TYPES[".js"] });
    routes.set("/webpack/", { body: page(`<script src="/webpack/main.js"></script>`), type: TYPES[".html"] });
    routes.set("/webpack/main.js", { body: built.webpack.text!, type: TYPES[".js"] });
    routes.set("/module/", {
      body: page(
        `<script type="module" src="/module/index.js"></script>`,
        `<script type="importmap">${JSON.stringify(importMap)}</script>`,
      ),
      type: TYPES[".html"],
    });
    routes.set("/module/index.js", { body: vectorPage(), type: TYPES[".js"] });
    routes.set("/helpers/", { body: page(`<script src="/helpers/main.js"></script>`), type: TYPES[".html"] });
    routes.set("/helpers/main.js", { body: built.helpers.text!, type: TYPES[".js"] });
    routes.set("/helpers-module/", {
      body: page(
        `<script type="module">import * as testing from "kernia/testing"; window.kernia = { testing };</script>`,
        `<script type="importmap">${JSON.stringify(importMap)}</script>`,
      ),
      type: TYPES[".html"],
    });
    // The strict policy an app would send, plus the one source WebAssembly compilation needs (CSP Level 3).
    routes.set("/csp-wasm/", {
      body: page(`<script src="/esbuild/main.js"></script>`),
      type: TYPES[".html"],
      headers: csp("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; base-uri 'none'"),
    });
    routes.set("/csp-no-wasm/", {
      body: page(`<script src="/esbuild/main.js"></script>`),
      type: TYPES[".html"],
      headers: csp("default-src 'none'; script-src 'self'; base-uri 'none'"),
    });

    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const found = path === "/" ? routes.get("/index.html") : routes.get(path);
      if (found) {
        res.writeHead(200, { "content-type": found.type, ...found.headers }).end(found.body);
        return;
      }
      // The repo as node_modules/kernia, for the import-map page: files under dist/ only.
      const prefix = "/node_modules/kernia/dist/";
      if (path.startsWith(prefix)) {
        const file = resolve(REPO, "dist", path.slice(prefix.length));
        if (file.startsWith(join(REPO, "dist") + sep) && existsSync(file) && statSync(file).isFile()) {
          res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
          return;
        }
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    if (project) rmSync(project, { recursive: true, force: true });
  });

  /**
   * A tab for page.evaluate callbacks: this file runs under tsx, whose transform wraps named functions in
   * a `__name(fn, "name")` helper that exists in Node but not in the page, so the page gets a no-op one.
   */
  async function evaluationTab() {
    const tab = await browser.newPage();
    await tab.addInitScript({ content: "globalThis.__name = (fn) => fn;" });
    return tab;
  }

  async function open(path: string): Promise<{ results: PageResults; errors: string[]; console: string[] }> {
    const tab = await browser.newPage();
    const errors: string[] = [];
    const console: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    tab.on("console", (message) => console.push(message.text()));
    try {
      const response = await tab.goto(`${origin}${path}`);
      assert.equal(response?.status(), 200, `${path} was served`);
      await tab.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, null, { timeout: 30_000 });
      const results = (await tab.evaluate(() => (window as unknown as { __results: PageResults }).__results)) as PageResults;
      return { results, errors, console };
    } finally {
      await tab.close();
    }
  }

  for (const [label, path] of [
    ["esbuild (default config)", "/esbuild/"],
    ["Vite 8 (no config file)", "/"],
    ["webpack 5 (default config, Node API)", "/webpack/"],
    ["plain <script type=module> with an import map, no bundler", "/module/"],
    ["esbuild bundle under a CSP allowing 'wasm-unsafe-eval'", "/csp-wasm/"],
  ] as const) {
    test(`RFC 4226/6238 vectors pass in Chromium: ${label}`, async () => {
      const { results, errors } = await open(path);
      assert.deepEqual(errors, [], "no uncaught errors in the page");
      assert.equal(results.error, null);
      assert.deepEqual(results.failed, []);
      assert.equal(results.passed, EXPECTED_CHECKS);
    });
  }

  test("under a CSP without 'wasm-unsafe-eval' the module still loads and the first call fails clearly", async () => {
    const { results, errors } = await open("/csp-no-wasm/");
    // Loading is side-effect free (the core is instantiated on first use), so the import itself never
    // throws: an app can catch the first call and fall back (docs/crypto-in-apps.md).
    assert.deepEqual(errors, [], "no uncaught error while loading the module");
    assert.ok(results.error, "the first call threw");
    assert.equal(results.error.name, "CompileError");
    assert.match(results.error.message, /Content Security Policy/);
    assert.equal(results.passed, 0);
  });

  test("the browser graph holds only kernia/crypto's own browser-safe modules, no Node-only import", () => {
    const { kernia, dependencies, others } = kerniaInputs(built.esbuild.metafile!, project);
    assert.deepEqual(others, ["src/index.js"], "nothing but the page and the package");
    assert.deepEqual(dependencies, [], "kernia/crypto has no dependencies");
    assert.deepEqual(kernia, [
      "dist/crypto/backup.js",
      "dist/crypto/base32.js",
      "dist/crypto/compare.js",
      "dist/crypto/core.js",
      "dist/crypto/hash.js",
      "dist/crypto/index.js",
      "dist/crypto/jobs.js",
      "dist/crypto/keys.js",
      "dist/crypto/otp.js",
      "dist/crypto/validate.js",
      "dist/crypto/wasm.generated.js",
      "dist/crypto/wasm.js",
    ]);
    for (const file of kernia) {
      const source = readFileSync(join(REPO, file), "utf8");
      assert.doesNotMatch(source, /from\s+["'](node:|fs|path|crypto|os|buffer|module)["']/, `${file} imports nothing from Node`);
      assert.doesNotMatch(source, /\bprocess\.|\bBuffer\b|\brequire\(/, `${file} uses no Node globals`);
    }
  });

  test("no bundler needed configuration or printed a warning, and no top-level await is used", async () => {
    assert.deepEqual(built.esbuild.warnings, []);
    assert.deepEqual(built.vite.warnings, []);
    assert.deepEqual(built.webpack.warnings, []);
    // Explicitly, on ESM output (where top-level await would otherwise be allowed): esbuild refuses it.
    const strict = await esbuild({
      absWorkingDir: project,
      entryPoints: ["src/index.js"],
      bundle: true,
      format: "esm",
      write: false,
      supported: { "top-level-await": false },
      logLevel: "silent",
    });
    assert.deepEqual(strict.errors, []);
  });

  test("sideEffects: an import that is never used leaves the WASM core out of the bundle", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { sideEffects?: unknown };
    assert.ok(Array.isArray(pkg.sideEffects) || pkg.sideEffects === false, "package.json declares sideEffects");
    // Without the declaration a bundler must keep every module-level call (keys.ts sets up a
    // FinalizationRegistry), and with it the ~50 KB of embedded wasm; "AGFzbQ" is base64 of "\0asm".
    const text = built.unused.text!;
    assert.doesNotMatch(text, /AGFzbQ/);
    assert.ok(text.length < 200, `bundle is ${text.length} bytes: ${text}`);
  });
  test("kernia/testing and kernia/otplib bundle for the browser too: only browser-safe modules", () => {
    assert.deepEqual(built.helpers.warnings, []);
    const { kernia, dependencies, others } = kerniaInputs(built.helpers.metafile!, project);
    assert.deepEqual(others, ["src/helpers.js"]);
    assert.deepEqual(kernia, [
      "dist/crypto/backup.js",
      "dist/crypto/base32.js",
      "dist/crypto/compare.js",
      "dist/crypto/core.js",
      "dist/crypto/hash.js",
      "dist/crypto/index.js",
      "dist/crypto/jobs.js",
      "dist/crypto/keys.js",
      "dist/crypto/otp.js",
      "dist/crypto/validate.js",
      "dist/crypto/wasm.generated.js",
      "dist/crypto/wasm.js",
      "dist/otplib/index.js",
      "dist/testing/index.js",
    ]);
    assert.ok(dependencies.length > 0 && dependencies.every((d) => d.startsWith("node_modules/@otplib/core/")), dependencies.join(", "));
  });

  for (const [label, path] of [
    ["bundled by esbuild", "/helpers/"],
    ["as a plain module with an import map", "/helpers-module/"],
  ] as const) {
    test(`kernia/testing runs in Chromium through page.evaluate, ${label}`, async () => {
      const tab = await evaluationTab();
      const errors: string[] = [];
      tab.on("pageerror", (error) => errors.push(error.message));
      try {
        await tab.goto(`${origin}${path}`);
        await tab.waitForFunction(() => (window as unknown as { kernia?: unknown }).kernia !== undefined, null, { timeout: 30_000 });
        const seed = Buffer.from(RFC6238_SEEDS["SHA-1"]);
        const uri = `otpauth://totp/ACME:ada%40example.com?secret=${nodeCrypto.base32Encode(seed, { padding: false })}&issuer=ACME&digits=8`;
        const inPage = await tab.evaluate(async (uri) => {
          type Testing = typeof import("../../src/testing/index.js");
          const { testing } = (window as unknown as { kernia: { testing: Testing } }).kernia;
          const key = testing.parseOtpauthUri(uri);
          // An injected clock in the page, too: the second code waits (virtually) for the next step.
          let time = 59_000;
          const helper = testing.totpHelper(key, { now: () => time, sleep: async (ms) => void (time += ms) });
          const first = await helper.freshCode();
          const second = await helper.freshCode();
          let error = "";
          try {
            testing.parseOtpauthUri("otpauth://totp/x?digits=8");
          } catch (e) {
            error = `${(e as Error).name}: ${(e as Error).message}`;
          }
          return {
            issuer: key.issuer,
            account: key.account,
            digits: key.digits,
            first,
            second,
            atRfc: helper.codeAt(1_111_111_109_000),
            error,
          };
        }, uri);
        assert.deepEqual(errors, []);
        assert.equal(inPage.issuer, "ACME");
        assert.equal(inPage.account, "ada@example.com");
        assert.equal(inPage.digits, 8);
        assert.equal(inPage.atRfc, RFC6238_VECTORS[1].totp["SHA-1"]);
        assert.deepEqual(
          { code: inPage.first.code, step: inPage.first.step, waitedMs: inPage.first.waitedMs },
          { code: "94287082", step: 1, waitedMs: 0 },
        );
        assert.deepEqual([inPage.second.step, inPage.second.waitedMs], [2, 1_000]);
        assert.equal(inPage.error, "RangeError: otpauth URI: expected a secret parameter, got none");
      } finally {
        await tab.close();
      }
    });
  }

  test("the otplib plugin computes in the page what otplib's node plugin computes here", async () => {
    const tab = await evaluationTab();
    try {
      await tab.goto(`${origin}/helpers/`);
      await tab.waitForFunction(() => (window as unknown as { kernia?: unknown }).kernia !== undefined, null, { timeout: 30_000 });
      const inPage = await tab.evaluate(() => {
        const plugin = (window as unknown as { kernia: { otplibPlugin: import("@otplib/core").CryptoPlugin } }).kernia.otplibPlugin;
        const mac = plugin.hmac("SHA-256" as "sha256", new TextEncoder().encode("key"), new TextEncoder().encode("data")) as Uint8Array;
        let unsupported = "";
        try {
          plugin.hmac("md5" as "sha1", new Uint8Array(1), new Uint8Array(1));
        } catch (e) {
          unsupported = (e as Error).message;
        }
        return { mac: Array.from(mac), random: plugin.randomBytes(16).length, unsupported };
      });
      const { createHmac } = await import("node:crypto");
      assert.deepEqual(inPage.mac, Array.from(createHmac("sha256", "key").update("data").digest()));
      assert.equal(inPage.random, 16);
      assert.match(inPage.unsupported, /Unsupported hash algorithm.*\[plugin: kernia\]/);
    } finally {
      await tab.close();
    }
  });
});
