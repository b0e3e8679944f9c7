/**
 * A dudect-style timing-leak check ("Dude, is my code constant time?", Reparaz, Balasch and Verbauwhede,
 * DATE 2017) of the secret comparisons in kernia/crypto:
 *
 *   node --import tsx bench/timing.ts
 *   TIMING_SAMPLES=<n>   measurements per test (default 300000; more finds smaller leaks)
 *   BENCH_WASM=scalar    force the scalar build (or simd); default: the core's own choice
 *   BENCH_CRYPTO=node    check the node:crypto reference port instead of the WASM core
 *
 * Two classes of input that a constant-time function must not tell apart by time are measured in random
 * order (so drift, frequency scaling and GC hit both classes alike), each measurement a batch of calls
 * between two process.hrtime.bigint() reads. Measurements above a percentile are cropped (dudect crops
 * at several, because the long tail is mostly interrupts and GC), and Welch's t-test compares the classes.
 * |t| above 4.5 means the classes differ; below it, no difference was found at this sample size, which is
 * evidence, never proof. Deliberately leaky early-exit versions of both functions run as controls, to show
 * that the same measurement does find a leak of that size (a few loop iterations; nine skipped compares
 * next to an HMAC).
 */
import { randomBytes } from "node:crypto";
import { formatMachineHeader, gitRevision, machineInfo } from "./lib/machine.js";
import { percentileOfSorted, welchT } from "./lib/stats.js";
import { formatTable } from "./lib/table.js";
import type { CryptoPort } from "../src/crypto/port.js";
import { nodeCrypto } from "../src/crypto/node.js";
import * as kerniaCrypto from "../src/crypto/index.js";
import { loadedBuild, selectBuild } from "../src/crypto/internal.js";

const useReferencePort = process.env.BENCH_CRYPTO === "node";
// BENCH_WASM=scalar (or simd) forces one build; by default the core picks SIMD where the engine has it.
const forcedBuild = process.env.BENCH_WASM;
if (forcedBuild === "scalar" || forcedBuild === "simd") selectBuild(forcedBuild);
else if (forcedBuild !== undefined) throw new RangeError(`expected BENCH_WASM=simd or scalar, got ${forcedBuild}`);
const kernia: CryptoPort = useReferencePort ? nodeCrypto : kerniaCrypto;
const KERNIA = useReferencePort ? "node reference port" : "kernia";

const requested = Number(process.env.TIMING_SAMPLES);
const SAMPLES = Number.isInteger(requested) && requested >= 1000 ? requested : 300_000;
/** Upper percentiles at which the long tail is cropped before the t-test (100 = keep everything). */
const CROPS = [100, 99, 95, 90, 75, 50];
const POOL = 64; // users in the backup-code test, cycled, so no single key or address decides the result
const T_THRESHOLD = 4.5;

let sink = 0;

interface LeakTest {
  name: string;
  /** What class 0 and class 1 are. */
  classes: [string, string];
  callsPerMeasurement: number;
  /** Puts the inputs of one class in place for the next measurement (not timed). */
  prepare(cls: 0 | 1): void;
  /** The timed part: callsPerMeasurement calls on the prepared inputs. */
  run(): void;
  /** Why the classes are not what their names say (then timing them means nothing), or null. */
  problem(): string | null;
}

// ---------------------------------------------------------------------------------------------
// The tests. Both classes use the very same objects, and only their contents differ: with separate
// objects per class, memory placement alone moved |t| past 10 for node's constant-time compare.

const CALLS_COMPARE = 32;
const randomPool = new Uint8Array(randomBytes(64 * 1024));
let randomOffset = 0;

/** CALLS_COMPARE pairs of 32 bytes, refilled before each measurement: equal, or differing in byte 0 only. */
function compareTest(name: string, equal: (a: Uint8Array, b: Uint8Array) => boolean): LeakTest {
  const a = new Uint8Array(randomBytes(32));
  const b = Uint8Array.from(a);
  const c = Uint8Array.from(a);
  c[0] ^= 0x5a;
  const as = Array.from({ length: CALLS_COMPARE }, () => new Uint8Array(32));
  const bs = Array.from({ length: CALLS_COMPARE }, () => new Uint8Array(32));
  return {
    name,
    classes: ["equal", "first byte differs"],
    callsPerMeasurement: CALLS_COMPARE,
    prepare(cls) {
      for (let k = 0; k < CALLS_COMPARE; k++) {
        as[k].set(randomPool.subarray(randomOffset, randomOffset + 32));
        randomOffset = (randomOffset + 32) % randomPool.length;
        bs[k].set(as[k]);
        if (cls === 1) bs[k][0] ^= 0x5a;
      }
    },
    run() {
      let matches = 0;
      for (let k = 0; k < CALLS_COMPARE; k++) matches += Number(equal(as[k], bs[k]));
      sink += matches;
    },
    problem() {
      if (!equal(a, b)) return "equal inputs compared unequal";
      if (equal(a, c)) return "inputs differing in the first byte compared equal";
      return null;
    },
  };
}

/** The textbook timing leak: returns at the first differing byte. Control only, never use this. */
function leakyEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Backup codes as the two-factor plugin keeps them: 10 HMAC-SHA-256 hashes under one key per user.
 * Each user has a code that is stored (at index 0) and one of the same shape that is not.
 */
const CALLS_BACKUP = 2;
const users = Array.from({ length: POOL }, () => {
  const key = new Uint8Array(randomBytes(32));
  const codes = Array.from({ length: 10 }, () => randomBytes(5).toString("hex").toUpperCase());
  let absent = randomBytes(5).toString("hex").toUpperCase();
  while (codes.includes(absent)) absent = randomBytes(5).toString("hex").toUpperCase();
  return { key, hashes: codes.map((code) => kernia.hashBackupCode(key, code)), present: codes[0], absent };
});
let nextUser = 0;

type FindBackupCode = (key: Uint8Array, code: string, hashes: readonly Uint8Array[]) => number;

/**
 * The usual mistake: a constant-time compare per hash, but the loop returns at the first match, so the
 * time tells how far down the list the code is. Control only, never use this.
 */
const leakyFindBackupCode: FindBackupCode = (key, code, hashes) => {
  const wanted = kernia.hashBackupCode(key, code);
  for (let i = 0; i < hashes.length; i++) if (kernia.timingSafeEqual(hashes[i], wanted)) return i;
  return -1;
};

function backupTest(name: string, find: FindBackupCode): LeakTest {
  const picked = Array.from({ length: CALLS_BACKUP }, () => ({ user: users[0], code: "" }));
  return {
    name,
    classes: ["code at index 0", "code absent"],
    callsPerMeasurement: CALLS_BACKUP,
    prepare(cls) {
      for (const slot of picked) {
        slot.user = users[(nextUser = (nextUser + 1) % POOL)];
        slot.code = cls === 0 ? slot.user.present : slot.user.absent;
      }
    },
    run() {
      let found = 0;
      for (const { user, code } of picked) found += find(user.key, code, user.hashes);
      sink += found;
    },
    problem() {
      for (const user of users) {
        const present = find(user.key, user.present, user.hashes);
        if (present !== 0) return `findBackupCode returned ${present} for a code stored at index 0 (expected 0)`;
        const absent = find(user.key, user.absent, user.hashes);
        if (absent !== -1) return `findBackupCode returned ${absent} for a code that is not stored (expected -1)`;
      }
      return null;
    },
  };
}

const tests = [
  compareTest(`${KERNIA} timingSafeEqual, 32 bytes`, (a, b) => kernia.timingSafeEqual(a, b)),
  backupTest(`${KERNIA} findBackupCode, 10 hashes`, (key, code, hashes) => kernia.findBackupCode(key, code, hashes)),
  compareTest("CONTROL: early-exit JS compare, 32 bytes", leakyEqual),
  backupTest("CONTROL: search that returns at the first match, 10 hashes", leakyFindBackupCode),
];

// ---------------------------------------------------------------------------------------------
// Measurement and the t-test.

interface Measured {
  cls: Uint8Array;
  ns: Float64Array;
}

function measure(test: LeakTest, samples: number): Measured {
  const cls = new Uint8Array(randomBytes(samples)).map((byte) => byte & 1);
  // Warm-up: let the JIT settle on both classes before anything is recorded.
  for (let i = 0; i < Math.min(20_000, samples / 5); i++) {
    test.prepare((i & 1) as 0 | 1);
    test.run();
  }
  const ns = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    test.prepare(cls[i] as 0 | 1);
    const start = process.hrtime.bigint();
    test.run();
    const end = process.hrtime.bigint();
    ns[i] = Number(end - start);
  }
  return { cls, ns };
}

interface CropResult {
  /** Percentile the measurements were cropped at; 100 = none. */
  crop: number;
  kept: number;
  /** Kept measurements of class 0 and class 1. */
  n: [number, number];
  /** Mean ns per call of class 0 and class 1 among the kept measurements (NaN when none was kept). */
  meanNsPerCall: [number, number];
  /** Welch's t; null when a crop left fewer than two measurements of a class. */
  t: number | null;
}

interface Verdict {
  name: string;
  classes: [string, string];
  samples: number;
  crops: CropResult[];
  maxAbsT: number;
  verdict: string;
}

function analyse(test: LeakTest, m: Measured): Verdict {
  const sorted = Float64Array.from(m.ns).sort();
  const crops = CROPS.map((crop): CropResult => {
    const limit = crop === 100 ? Infinity : percentileOfSorted(sorted, crop);
    const groups: [number[], number[]] = [[], []];
    for (let i = 0; i < m.ns.length; i++) if (m.ns[i] <= limit) groups[m.cls[i]].push(m.ns[i]);
    const result = welchT(groups[0], groups[1]);
    const enough = groups[0].length >= 2 && groups[1].length >= 2;
    return {
      crop,
      kept: groups[0].length + groups[1].length,
      n: [groups[0].length, groups[1].length],
      meanNsPerCall: [0, 1].map((k) => (groups[k].length > 0 ? result.mean[k] / test.callsPerMeasurement : NaN)) as [number, number],
      t: enough ? result.t : null,
    };
  });
  const maxAbsT = Math.max(...crops.map((c) => Math.abs(c.t ?? 0)));
  const verdict =
    maxAbsT < T_THRESHOLD
      ? `no leak detected at this sample size (|t| < ${T_THRESHOLD}; evidence, not proof)`
      : maxAbsT < 10
        ? `possible leak (|t| >= ${T_THRESHOLD}); re-run with more samples on a quiet machine to tell a leak from noise`
        : "LEAK DETECTED (|t| >= 10): the two classes take measurably different time";
  return { name: test.name, classes: test.classes, samples: m.ns.length, crops, maxAbsT, verdict };
}

// ---------------------------------------------------------------------------------------------

const info = machineInfo();
console.log(
  formatMachineHeader(info, {
    Implementation: useReferencePort ? "node:crypto reference port (BENCH_CRYPTO=node)" : `kernia/crypto, ${loadedBuild()} WASM build`,
    Commit: gitRevision(["assembly", "src/crypto"]),
    Samples: `${SAMPLES} measurements per test (TIMING_SAMPLES), classes interleaved at random`,
  }),
);

const started = Date.now();
const verdicts: Verdict[] = [];
const notRun: string[] = [];
for (const test of tests) {
  const problem = test.problem();
  if (problem !== null) {
    notRun.push(`${test.name}: NOT RUN, ${problem}`);
    console.log(`\n${test.name}\n  NOT RUN: ${problem}`);
    continue;
  }
  const verdict = analyse(test, measure(test, SAMPLES));
  verdicts.push(verdict);
  console.log(`\n${verdict.name}`);
  console.log(`  class 0 = ${verdict.classes[0]}, class 1 = ${verdict.classes[1]}; ${test.callsPerMeasurement} calls per measurement`);
  console.log(
    formatTable(
      [
        { title: "  crop" },
        { title: "kept" },
        { title: "ns/call class 0" },
        { title: "class 1" },
        { title: "difference" },
        { title: "|t|" },
      ],
      verdict.crops.map((c) => {
        const [m0, m1] = c.meanNsPerCall;
        return [
          `  ${c.crop === 100 ? "none" : `p${c.crop}`}`,
          String(c.kept),
          Number.isFinite(m0) ? m0.toFixed(2) : "-",
          Number.isFinite(m1) ? m1.toFixed(2) : "-",
          c.t === null ? "-" : `${(((m0 - m1) / Math.min(m0, m1)) * 100).toFixed(2)}%`,
          c.t === null ? "n/a" : Math.abs(c.t).toFixed(2),
        ];
      }),
    ),
  );
  console.log(`  max |t| = ${verdict.maxAbsT.toFixed(2)}: ${verdict.verdict}`);
}

console.log(`\nSummary (${((Date.now() - started) / 1000).toFixed(0)} s)`);
for (const v of verdicts) console.log(`  |t| = ${v.maxAbsT.toFixed(2).padStart(7)}  ${v.name}: ${v.verdict}`);
for (const line of notRun) console.log(`  ${line}`);
const controls = verdicts.filter((v) => v.name.startsWith("CONTROL"));
if (controls.length === 0 || controls.some((v) => v.maxAbsT < T_THRESHOLD)) {
  console.log(
    "  WARNING: a leaky control was not detected, so this run could not have seen a leak of that size either: raise TIMING_SAMPLES.",
  );
}
if (info.loadAverage[0] > info.cores * 0.5) {
  console.log(
    `  NOTE: load average ${info.loadAverage[0]} on ${info.cores} cores: a busy machine adds noise (lower |t| for real leaks, occasional false alarms).`,
  );
}
console.log(
  "  Reading |t|: with this many samples a difference of a fraction of a percent is significant, and the JS harness\n" +
    "  itself (returning true vs false, where an object sits in memory) can produce one. The difference column\n" +
    "  ((class 0 - class 1) / the smaller mean) says how large the effect is; the controls show real leaks.",
);
if (sink < 0) console.log(sink); // keeps the results observable
if (notRun.length > 0) process.exitCode = 1;
