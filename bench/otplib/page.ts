/**
 * The Chromium half of `npm run bench:otplib`, bundled by bench/otplib/run.ts with esbuild and run in
 * headless Chromium: otplib 13 with its browser plugins (web: Web Crypto, async only; noble: pure JS)
 * against the Kernia plugin, timed by benchmark.js in the page. Reads its time budget from
 * `window.__benchConfig`, publishes `window.__bench` (or `window.__benchError`).
 */
import BenchmarkModule from "benchmark";
// benchmark.js's own dependencies, which ship no type declarations; it only needs the objects.
// @ts-expect-error no declaration file for lodash
import lodash from "lodash";
// @ts-expect-error no declaration file for platform
import platform from "platform";
import { NobleCryptoPlugin } from "@otplib/plugin-crypto-noble";
import { WebCryptoPlugin } from "@otplib/plugin-crypto-web";
import { crypto as kernia } from "../../src/otplib/index.js";
import { checkPlugin, coreVerify, verifyOnce, verifyOnceAsync, type GroupRows, type Row } from "./workload.js";

interface PageWindow {
  __benchConfig: { maxTime: number; minSamples: number; warmupRounds: number };
  __bench?: { groups: GroupRows[] };
  __benchError?: string;
  Benchmark?: unknown;
}
const page = window as unknown as PageWindow;

// benchmark.js finds lodash through `require`, which a browser bundle does not have; it is handed in.
// Its compiled test loops look the constructor up on the global object, hence window.Benchmark.
const Benchmark = (BenchmarkModule as unknown as { runInContext(context: object): typeof BenchmarkModule }).runInContext({
  _: lodash,
  platform,
});
page.Benchmark = Benchmark;

const noble = new NobleCryptoPlugin();
const web = new WebCryptoPlugin();
let sink: unknown;

interface PageCase {
  name: string;
  fn?: () => void;
  /** Asynchronous case: resolves when one operation is done (benchmark.js deferred mode). */
  async?: () => Promise<unknown>;
}

async function runGroup(title: string, reference: string, cases: PageCase[]): Promise<GroupRows> {
  const { maxTime, minSamples, warmupRounds } = page.__benchConfig;
  // Every row in turn before any is timed, as in the Node half (bench/otplib/run.ts says why).
  for (let i = 0; i < warmupRounds; i++) {
    for (const c of cases) {
      if (c.async) sink = await c.async();
      else c.fn!();
    }
  }
  return new Promise((done, fail) => {
    const suite = new Benchmark.Suite(title);
    for (const c of cases) {
      if (c.async) {
        const op = c.async;
        suite.add(c.name, {
          defer: true,
          maxTime,
          minSamples,
          fn: (deferred: { resolve(): void }) => {
            void op().then((result) => {
              sink = result;
              deferred.resolve();
            });
          },
        });
      } else suite.add(c.name, c.fn!, { maxTime, minSamples });
    }
    const rows: Row[] = [];
    suite.on("cycle", (event: { target: { name: string; hz: number; error?: unknown; stats: { rme: number; sample: number[] } } }) => {
      const b = event.target;
      if (b.error) fail(new Error(`${b.name} threw while being timed: ${String(b.error)}`));
      rows.push({ name: b.name, hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length });
    });
    suite.on("complete", () => done({ title, reference, rows }));
    suite.run({ async: true });
  });
}

async function main(): Promise<void> {
  const failures = [
    ...(await checkPlugin("kernia plugin (sync)", kernia, true)),
    ...(await checkPlugin("kernia plugin (async)", kernia, false)),
    ...(await checkPlugin("noble plugin (sync)", noble, true)),
    ...(await checkPlugin("web plugin (async)", web, false)),
  ];
  if (failures.length > 0) throw new Error(`correctness checks failed, nothing was timed:\n${failures.join("\n")}`);
  const groups = [
    await runGroup("Chromium: otplib 13 verifySync, wrong code, 3 candidates", "otplib + noble plugin", [
      { name: "otplib + kernia plugin", fn: () => void (sink = verifyOnce(kernia)) },
      { name: "otplib + noble plugin", fn: () => void (sink = verifyOnce(noble)) },
      { name: "kernia/crypto verifyTotp, no otplib (bound)", fn: () => void (sink = coreVerify()) },
    ]),
    await runGroup("Chromium: otplib 13 verify (async), wrong code, 3 candidates", "otplib + web plugin", [
      { name: "otplib + kernia plugin", async: () => verifyOnceAsync(kernia) },
      { name: "otplib + noble plugin", async: () => verifyOnceAsync(noble) },
      { name: "otplib + web plugin", async: () => verifyOnceAsync(web) },
    ]),
  ];
  page.__bench = { groups };
}

main().catch((error: unknown) => {
  page.__benchError = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
});
void sink;
