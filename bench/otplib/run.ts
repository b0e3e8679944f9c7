/**
 * otplib 13 with the Kernia plugin (kernia/otplib) against otplib's own crypto plugins, side by side in
 * one run: in Node (node and noble plugins) and in headless Chromium (noble and web
 * plugins), each with a row for the Kernia core used directly, which bounds what any plugin can reach
 * through otplib (the plugin replaces only the HMAC; otplib's own work per candidate stays).
 *
 *   npm run bench:otplib                 full run (about a minute on 2 cores)
 *   BENCH_QUICK=1 npm run bench:otplib   smoke run: checks everything and times briefly (numbers are rough)
 *   BENCH_MAX_TIME=<s>                   seconds per row (default 3)
 *
 * Prints the machine header (with the Chromium version), one table per group, then `JSON:` and the
 * whole result as one JSON document on the last line. Without /usr/bin/chromium the browser half is
 * skipped with a line saying so (CI installs it).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { CHROMIUM, launchChromium } from "../../test/helpers/chromium.js";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import { NobleCryptoPlugin } from "@otplib/plugin-crypto-noble";
import { crypto as kernia } from "../../src/otplib/index.js";
import { formatMachineHeader, gitRevision, machineInfo } from "../lib/machine.js";
import { formatGroup, runGroup, runOptionsFromEnv, type BenchGroup, type GroupResult } from "../lib/suite.js";
import { formatRatio } from "../lib/table.js";
import { checkPlugin, coreVerify, verifyOnce, WRONG, type GroupRows } from "./workload.js";

const here = dirname(fileURLToPath(import.meta.url));
const options = runOptionsFromEnv(3);
/** Round-robin calls of every row before timing (see below); the page does the same. */
const WARMUP_ROUNDS = options.quick ? 300 : 3000;
const node = new NodeCryptoPlugin();
const noble = new NobleCryptoPlugin();
let sink: unknown;

const failures = [
  ...(await checkPlugin("kernia plugin", kernia, true)),
  ...(await checkPlugin("node plugin", node, true)),
  ...(await checkPlugin("noble plugin", noble, true)),
];
if (coreVerify().valid) failures.push(`kernia/crypto: the wrong code ${WRONG} was accepted`);
if (failures.length > 0) {
  console.error(`Correctness checks failed (${failures.length}); nothing was timed:`);
  for (const failure of failures) console.error(`  FAIL ${failure}`);
  process.exit(1);
}

// The page is built before the header so its Chromium version can be printed there.
const haveChromium = existsSync(CHROMIUM);
const browser = haveChromium ? await launchChromium() : null;

// otplib's exports do not expose its package.json; it sits one folder above the resolved entry (dist/).
const otplibEntry = createRequire(import.meta.url).resolve("otplib");
const otplibVersion = (JSON.parse(readFileSync(join(dirname(otplibEntry), "..", "package.json"), "utf8")) as { version: string }).version;
console.log(
  formatMachineHeader(machineInfo(), {
    otplib: otplibVersion,
    Chromium: browser ? browser.version() : `not found at ${CHROMIUM}: browser half skipped`,
    Commit: gitRevision(["src/otplib", "src/crypto", "assembly"]),
    Mode: `${options.quick ? "BENCH_QUICK smoke run (rough numbers)" : "full run"}, maxTime ${options.maxTime} s per row, minSamples ${options.minSamples}`,
    Checks: "every plugin matched RFC 6238 and the Kernia core before timing",
  }),
);

const NODE_REFERENCE = "otplib + node plugin";
const nodeGroup: BenchGroup = {
  title: "Node: otplib 13 verifySync, TOTP SHA-1, wrong code, epochTolerance 30 s (3 candidates)",
  reference: NODE_REFERENCE,
  cases: [
    { name: "otplib + kernia plugin", fn: () => void (sink = verifyOnce(kernia)) },
    { name: NODE_REFERENCE, fn: () => void (sink = verifyOnce(node)) },
    { name: "otplib + noble plugin", fn: () => void (sink = verifyOnce(noble)) },
    { name: "kernia/crypto verifyTotp, no otplib (bound)", fn: () => void (sink = coreVerify()) },
  ],
};
// Every row runs in turn before any is timed, so otplib's functions are optimised having seen every
// plugin. Without this the first row timed came out ahead whichever plugin it was (seen by swapping
// the order in quick runs): the later rows paid for the call sites turning polymorphic.
for (let i = 0; i < WARMUP_ROUNDS; i++) for (const c of nodeGroup.cases) c.fn();
const results: GroupResult[] = [runGroup(nodeGroup, options)];

if (browser) {
  const bundle = await build({
    entryPoints: [join(here, "page.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0].text;
  const config = JSON.stringify({ maxTime: options.maxTime, minSamples: options.minSamples, warmupRounds: WARMUP_ROUNDS });
  const html = `<!doctype html><meta charset="utf-8"><title>otplib bench</title><script>window.__benchConfig = ${config};</script><script type="module" src="/page.js"></script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    else if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    console.log("\nChromium: running in the page ...");
    // 6 rows; benchmark.js may run a row for a few times maxTime while it calibrates.
    const timeout = 60_000 + 6 * options.maxTime * 1000 * 4;
    await tab.waitForFunction(
      () => {
        const w = window as unknown as { __bench?: unknown; __benchError?: unknown };
        return w.__bench !== undefined || w.__benchError !== undefined;
      },
      null,
      { timeout, polling: 500 },
    );
    const outcome = (await tab.evaluate(() => {
      const w = window as unknown as { __bench?: { groups: GroupRows[] }; __benchError?: string };
      return { bench: w.__bench, error: w.__benchError };
    })) as { bench?: { groups: GroupRows[] }; error?: string };
    if (outcome.error || errors.length > 0) throw new Error(`the page failed: ${outcome.error ?? errors.join("; ")}`);
    for (const group of outcome.bench!.groups) {
      const referenceHz = group.rows.find((r) => r.name === group.reference)!.hz;
      results.push({
        title: group.title,
        reference: group.reference,
        rows: group.rows.map((r) => ({
          ...r,
          opsPerCall: 1,
          nsPerOp: 1e9 / r.hz,
          ratioToReference: r.hz / referenceHz,
          comparison: formatRatio(r.hz, referenceHz, group.reference, r.name === group.reference),
        })),
      });
    }
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

console.log("");
for (const result of results) console.log(`${formatGroup(result)}\n`);
console.log("JSON:");
console.log(JSON.stringify({ machine: machineInfo(), otplib: otplibVersion, quick: options.quick, groups: results }));
void sink;
