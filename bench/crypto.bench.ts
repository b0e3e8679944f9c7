/**
 * kernia/crypto against the usual alternatives, side by side in one process, reported as ratios.
 *
 *   npm run bench                 full run (about 2-3 minutes on 2 cores)
 *   BENCH_QUICK=1 npm run bench   smoke run: checks everything and times briefly (numbers are rough)
 *   BENCH_MAX_TIME=<s>            seconds per row (default 4)
 *   BENCH_WASM=scalar             force the scalar build (or simd); default: the core's own choice
 *   BENCH_CRYPTO=node             time the node:crypto reference port in the kernia rows (harness check)
 *
 * The workload is the one a 2FA server has: TOTP generate, and TOTP verify with a window of +/-1 and a
 * wrong code, which is the worst case because every candidate step is computed (RFC 6238 section 5.2).
 * Every row is checked against RFC 6238 / node:crypto before it is timed, so a broken row cannot win.
 * Each library is used the way its documentation shows: otplib and speakeasy take a base32 secret (and
 * decode it on every call), kernia, node:crypto and noble take the key bytes.
 * Prints one table per group, the targets as PASS/MISS lines, the .wasm sizes, then `JSON:` and
 * the whole result as one JSON document on the last line.
 */
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha1 as nobleSha1 } from "@noble/hashes/legacy.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import { ScureBase32Plugin, generateSync as otplibGenerate, verifySync as otplibVerify } from "otplib";
import speakeasy from "speakeasy";
import { formatMachineHeader, gitRevision, machineInfo } from "./lib/machine.js";
import { formatGroup, runGroup, runOptionsFromEnv, type BenchGroup, type GroupResult } from "./lib/suite.js";
import type { CryptoPort, HashAlgorithm, KeyInput } from "../src/crypto/port.js";
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

const options = runOptionsFromEnv(4);
const BATCH = 64;
/** 15 s into a 30 s step, so otplib's epochTolerance of 30 s spans exactly the steps -1, 0 and +1. */
const T = Date.UTC(2026, 0, 1, 12, 0, 15);
const period = 30;

/** Keeps results alive so no engine can drop the timed call as dead code. */
let sink: unknown;

// ---------------------------------------------------------------------------------------------
// Hand-written TOTP over node:crypto and over @noble/hashes: what an application would write.

type Mac = (key: Uint8Array, message: Uint8Array) => Uint8Array;
const nodeMac: Mac = (key, message) => createHmac("sha1", key).update(message).digest();
const nobleMac: Mac = (key, message) => nobleHmac(nobleSha1, key, message);

/** RFC 4226 section 5.1: the counter C is 8 bytes, big-endian. */
function counterBytes(counter: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  return bytes;
}

/** RFC 4226 section 5.3: dynamic truncation to 31 bits, then modulo 10^digits. */
function truncate(mac: Uint8Array, digits: number): number {
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return binary % 10 ** digits;
}

function handTotp(mac: Mac, key: Uint8Array, timeMs: number, digits = 6): string {
  const step = Math.floor(timeMs / 1000 / period);
  return String(truncate(mac(key, counterBytes(step)), digits)).padStart(digits, "0");
}

/** Every candidate is computed and compared as an integer, so the time does not depend on which one matched. */
function handVerify(mac: Mac, key: Uint8Array, code: string, timeMs: number, digits = 6): boolean {
  if (code.length !== digits || !/^[0-9]+$/.test(code)) return false;
  const wanted = Number(code);
  const step = Math.floor(timeMs / 1000 / period);
  let valid = false;
  for (let delta = -1; delta <= 1; delta++) {
    if (truncate(mac(key, counterBytes(step + delta)), digits) === wanted) valid = true;
  }
  return valid;
}

// ---------------------------------------------------------------------------------------------
// Every implementation behind the same small face, so one set of checks covers all of them.

const otplibCrypto = new NodeCryptoPlugin();
const otplibBase32 = new ScureBase32Plugin();

interface Totp<K> {
  name: string;
  key(bytes: Uint8Array): K;
  generate(key: K, timeMs: number): string;
  verify(key: K, code: string, timeMs: number): boolean;
}

const kerniaTotp: Totp<KeyInput> = {
  name: `${KERNIA} plain key`,
  key: (bytes) => bytes,
  generate: (key, time) => kernia.totp(key, { time }),
  verify: (key, code, time) => kernia.verifyTotp(key, code, { time, window: 1 }).valid,
};
const kerniaPreparedTotp: Totp<KeyInput> = { ...kerniaTotp, name: `${KERNIA} prepared`, key: (bytes) => kernia.prepareKey(bytes, "SHA-1") };
const otplibTotp: Totp<string> = {
  name: "otplib 13 (node plugin)",
  // The documented form: a base32 secret with the crypto and base32 plugins.
  key: (bytes) => nodeCrypto.base32Encode(bytes, { padding: false }),
  generate: (secret, time) => otplibGenerate({ secret, crypto: otplibCrypto, base32: otplibBase32, epoch: Math.floor(time / 1000) }),
  verify: (secret, token, time) =>
    otplibVerify({ secret, token, crypto: otplibCrypto, base32: otplibBase32, epoch: Math.floor(time / 1000), epochTolerance: period })
      .valid,
};
const speakeasyTotp: Totp<string> = {
  name: "speakeasy",
  key: (bytes) => nodeCrypto.base32Encode(bytes, { padding: false }),
  generate: (secret, time) => speakeasy.totp({ secret, encoding: "base32", time: Math.floor(time / 1000) }),
  verify: (secret, token, time) => speakeasy.totp.verify({ secret, encoding: "base32", token, time: Math.floor(time / 1000), window: 1 }),
};
const nodeTotp: Totp<Uint8Array> = {
  name: "node:crypto hand-written",
  key: (bytes) => bytes,
  generate: (key, time) => handTotp(nodeMac, key, time),
  verify: (key, code, time) => handVerify(nodeMac, key, code, time),
};
const nobleTotp: Totp<Uint8Array> = {
  name: "@noble/hashes hand-written",
  key: (bytes) => bytes,
  generate: (key, time) => handTotp(nobleMac, key, time),
  verify: (key, code, time) => handVerify(nobleMac, key, code, time),
};
// Each keeps its own key form; `any` lets one loop check them all with the key each one made.
const implementations: Totp<any>[] = [kerniaTotp, kerniaPreparedTotp, otplibTotp, speakeasyTotp, nodeTotp, nobleTotp];

// ---------------------------------------------------------------------------------------------
// Correctness before timing.

const failures: string[] = [];
function check(condition: boolean, what: string): void {
  if (!condition) failures.push(what);
}

/** RFC 6238 appendix B, SHA-1 rows: the key is the ASCII string "12345678901234567890", 8 digits. */
const RFC6238_SHA1: [seconds: number, code: string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];
const rfcKey = new TextEncoder().encode("12345678901234567890");

for (const [seconds, code] of RFC6238_SHA1) {
  // The hand-written versions are the reference for everything else, so they answer to the RFC first.
  check(handTotp(nodeMac, rfcKey, seconds * 1000, 8) === code, `node:crypto hand-written: RFC 6238 T=${seconds}`);
  check(handTotp(nobleMac, rfcKey, seconds * 1000, 8) === code, `@noble/hashes hand-written: RFC 6238 T=${seconds}`);
  check(kernia.totp(rfcKey, { time: seconds * 1000, digits: 8 }) === code, `${KERNIA}: RFC 6238 T=${seconds}`);
  // The 6-digit code is the same number modulo 10^6 (RFC 4226 section 5.3).
  for (const impl of implementations) {
    check(impl.generate(impl.key(rfcKey), seconds * 1000) === code.slice(2), `${impl.name}: RFC 6238 T=${seconds}, 6 digits`);
  }
}

/** A 6-digit code that none of the steps -1, 0, +1 produce, so a verifier must compute all three. */
function wrongCodeFor(key: Uint8Array, timeMs: number): string {
  const taken = new Set([-1, 0, 1].map((d) => handTotp(nodeMac, key, timeMs + d * period * 1000)));
  let n = Number(handTotp(nodeMac, key, timeMs));
  let code: string;
  do {
    n = (n + 1) % 1_000_000;
    code = String(n).padStart(6, "0");
  } while (taken.has(code));
  return code;
}

for (let i = 0; i < 40; i++) {
  const bytes = new Uint8Array(randomBytes(20));
  const time = i === 0 ? T : 1_000_000_000_000 + Math.floor(Math.random() * 1e12);
  const expected = handTotp(nodeMac, bytes, time);
  const previous = handTotp(nodeMac, bytes, time - period * 1000);
  const later = handTotp(nodeMac, bytes, time + 2 * period * 1000);
  const wrong = wrongCodeFor(bytes, time);
  for (const impl of implementations) {
    const key = impl.key(bytes);
    check(impl.generate(key, time) === expected, `${impl.name}: generate matches node:crypto (case ${i})`);
    check(impl.verify(key, expected, time), `${impl.name}: accepts the current code (case ${i})`);
    check(impl.verify(key, previous, time), `${impl.name}: accepts the previous step's code (case ${i})`);
    check(!impl.verify(key, later, time), `${impl.name}: rejects the code two steps ahead (case ${i})`);
    check(!impl.verify(key, wrong, time), `${impl.name}: rejects a wrong code (case ${i})`);
  }
}

// The timed batch: BATCH different users, each with a wrong code, so every candidate is computed.
const batchKeys = Array.from({ length: BATCH }, () => new Uint8Array(randomBytes(20)));
const batchPrepared = batchKeys.map((bytes) => kernia.prepareKey(bytes, "SHA-1"));
const batchWrong = batchKeys.map((bytes) => wrongCodeFor(bytes, T));
const batchRequestsPrepared = batchPrepared.map((key, i) => ({ key, code: batchWrong[i], time: T, window: 1 }));
const batchRequestsPlain = batchKeys.map((key, i) => ({ key, code: batchWrong[i], time: T, window: 1 }));
{
  // Half right (current or previous step), half wrong, in both key forms: results must line up per request.
  const mixed = batchKeys.map((bytes, i) => ({
    key: i % 4 < 2 ? batchPrepared[i] : bytes,
    code: i % 2 === 0 ? handTotp(nodeMac, bytes, T - (i % 3 === 0 ? period * 1000 : 0)) : batchWrong[i],
    time: T,
    window: 1,
  }));
  const results = kernia.verifyTotpBatch(mixed);
  check(results.length === mixed.length, `${KERNIA} batch: one result per request`);
  results.forEach((result, i) => check(result.valid === (i % 2 === 0), `${KERNIA} batch: request ${i} valid=${i % 2 === 0}`));
  check(
    kernia.verifyTotpBatch(batchRequestsPrepared).every((r) => !r.valid),
    `${KERNIA} batch: timed requests are all wrong codes`,
  );
  check(
    kernia.verifyTotpBatch(batchRequestsPlain).every((r) => !r.valid),
    `${KERNIA} batch (plain keys): timed requests are all wrong codes`,
  );
}

const HMAC_CASES: { algorithm: HashAlgorithm; node: string; noble: typeof nobleSha1 | typeof nobleSha256; keyLength: number }[] = [
  { algorithm: "SHA-1", node: "sha1", noble: nobleSha1, keyLength: 20 },
  { algorithm: "SHA-256", node: "sha256", noble: nobleSha256, keyLength: 32 },
];
for (const { algorithm, node, noble } of HMAC_CASES) {
  // Every message length across the block boundaries, and keys shorter, equal and longer than a block.
  for (const keyLength of [0, 20, 32, 64, 65, 100]) {
    for (let length = 0; length <= 130; length++) {
      const key = new Uint8Array(randomBytes(keyLength));
      const message = new Uint8Array(randomBytes(length));
      const expected = Buffer.from(createHmac(node, key).update(message).digest()).toString("hex");
      check(
        Buffer.from(kernia.hmac(algorithm, key, message)).toString("hex") === expected,
        `${KERNIA} hmac ${algorithm}: key ${keyLength}, message ${length}`,
      );
      check(
        Buffer.from(nobleHmac(noble, key, message)).toString("hex") === expected,
        `@noble/hashes hmac ${algorithm}: key ${keyLength}, message ${length}`,
      );
    }
  }
}

if (failures.length > 0) {
  console.error(`Correctness checks failed (${failures.length}); nothing was timed:`);
  for (const failure of failures.slice(0, 40)) console.error(`  FAIL ${failure}`);
  if (failures.length > 40) console.error(`  ... and ${failures.length - 40} more`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Header.

const info = machineInfo();
const wasm = describeWasmBuild();
const revision = gitRevision(["assembly", "src/crypto"]);
console.log(
  formatMachineHeader(info, {
    "WASM build": wasm.build,
    Commit: revision,
    Mode: `${options.quick ? "BENCH_QUICK smoke run (rough numbers)" : "full run"}, maxTime ${options.maxTime} s per row, minSamples ${options.minSamples}`,
    Checks: "every row matched RFC 6238 and node:crypto before timing",
  }),
);

// ---------------------------------------------------------------------------------------------
// The timed groups. Each timed function calls exactly the code that was checked above.

const key20 = new Uint8Array(randomBytes(20));
const plainKey = kerniaTotp.key(key20);
const preparedKey = kerniaPreparedTotp.key(key20);
const base32Secret = otplibTotp.key(key20);
const wrong = wrongCodeFor(key20, T);
const REFERENCE = `${KERNIA} prepared`;

const groups: BenchGroup[] = [
  {
    title: "TOTP generate (6 digits, SHA-1, 20-byte key)",
    reference: REFERENCE,
    cases: [
      { name: `${KERNIA} plain key`, fn: () => void (sink = kerniaTotp.generate(plainKey, T)) },
      { name: `${KERNIA} prepared`, fn: () => void (sink = kerniaPreparedTotp.generate(preparedKey, T)) },
      { name: otplibTotp.name, fn: () => void (sink = otplibTotp.generate(base32Secret, T)) },
      { name: speakeasyTotp.name, fn: () => void (sink = speakeasyTotp.generate(base32Secret, T)) },
      { name: nodeTotp.name, fn: () => void (sink = nodeTotp.generate(key20, T)) },
      { name: nobleTotp.name, fn: () => void (sink = nobleTotp.generate(key20, T)) },
    ],
  },
  {
    title: "TOTP verify, window +/-1, wrong code (3 candidates each)",
    reference: REFERENCE,
    cases: [
      { name: `${KERNIA} plain key`, fn: () => void (sink = kerniaTotp.verify(plainKey, wrong, T)) },
      { name: `${KERNIA} prepared`, fn: () => void (sink = kerniaPreparedTotp.verify(preparedKey, wrong, T)) },
      { name: `${KERNIA} batch, prepared keys`, fn: () => void (sink = kernia.verifyTotpBatch(batchRequestsPrepared)), opsPerCall: BATCH },
      { name: `${KERNIA} batch, plain keys`, fn: () => void (sink = kernia.verifyTotpBatch(batchRequestsPlain)), opsPerCall: BATCH },
      { name: otplibTotp.name, fn: () => void (sink = otplibTotp.verify(base32Secret, wrong, T)) },
      { name: speakeasyTotp.name, fn: () => void (sink = speakeasyTotp.verify(base32Secret, wrong, T)) },
      { name: nodeTotp.name, fn: () => void (sink = nodeTotp.verify(key20, wrong, T)) },
      { name: nobleTotp.name, fn: () => void (sink = nobleTotp.verify(key20, wrong, T)) },
    ],
  },
];
for (const { algorithm, node, noble, keyLength } of HMAC_CASES) {
  const key = new Uint8Array(randomBytes(keyLength));
  for (const length of [8, 64]) {
    const message = new Uint8Array(randomBytes(length));
    groups.push({
      title: `HMAC-${algorithm}, ${keyLength}-byte key, ${length}-byte message`,
      reference: `${KERNIA} hmac`,
      cases: [
        { name: `${KERNIA} hmac`, fn: () => void (sink = kernia.hmac(algorithm, key, message)) },
        { name: "node:crypto createHmac", fn: () => void (sink = createHmac(node, key).update(message).digest()) },
        { name: "@noble/hashes hmac", fn: () => void (sink = nobleHmac(noble, key, message)) },
      ],
    });
  }
}

const started = Date.now();
const results: GroupResult[] = groups.map((group) => runGroup(group, options));
if (sink === undefined) throw new Error("unreachable: the timed functions always set sink");
const seconds = (Date.now() - started) / 1000;

console.log(`\nResults (${seconds.toFixed(0)} s of timing; ratios are the figures to compare across machines)\n`);
for (const result of results) console.log(`${formatGroup(result)}\n`);

// ---------------------------------------------------------------------------------------------
// The targets (a benchmark, not a test: a MISS does not fail the run).

const verifyGroup = results[1];
const hzOf = (name: string) => verifyGroup.rows.find((row) => row.name === name)!.hz;
const handHz = hzOf(nodeTotp.name);
const otplibHz = hzOf(otplibTotp.name);
const targets = [
  { row: `${KERNIA} plain key`, against: nodeTotp.name, want: 6, got: hzOf(`${KERNIA} plain key`) / handHz },
  { row: `${KERNIA} prepared`, against: nodeTotp.name, want: 10, got: hzOf(`${KERNIA} prepared`) / handHz },
  { row: `${KERNIA} batch, prepared keys`, against: nodeTotp.name, want: 20, got: hzOf(`${KERNIA} batch, prepared keys`) / handHz },
  { row: `${KERNIA} plain key`, against: otplibTotp.name, want: 40, got: hzOf(`${KERNIA} plain key`) / otplibHz },
].map((t) => ({ ...t, pass: t.got >= t.want }));
const informational = [
  { row: `${KERNIA} batch, plain keys`, against: nodeTotp.name, got: hzOf(`${KERNIA} batch, plain keys`) / handHz },
  { row: `${KERNIA} prepared`, against: otplibTotp.name, got: hzOf(`${KERNIA} prepared`) / otplibHz },
  { row: `${KERNIA} batch, prepared keys`, against: otplibTotp.name, got: hzOf(`${KERNIA} batch, prepared keys`) / otplibHz },
];

console.log("Targets (TOTP verify +/-1, wrong code, same run)");
for (const t of targets) {
  console.log(`  ${t.pass ? "PASS" : "MISS"}  ${t.row}: ${t.got.toFixed(1)}x ${t.against} (target >= ${t.want}x)`);
}
for (const t of informational) console.log(`  info  ${t.row}: ${t.got.toFixed(1)}x ${t.against}`);

console.log("\nWASM module size (limit 24 KiB = 24576 bytes)");
if (wasm.files.length === 0) console.log("  no build/*.wasm found (run `npm run build`)");
for (const file of wasm.files) {
  console.log(`  ${file.pass ? "PASS" : "MISS"}  ${file.name}: ${file.bytes} bytes (${(file.bytes / 1024).toFixed(1)} KiB)`);
}
if (useReferencePort) console.log("\nNOTE: BENCH_CRYPTO=node: the kernia rows ran the node:crypto reference port, not the WASM core.");
if (info.loadAverage[0] > info.cores * 0.5) {
  console.log(
    `\nNOTE: load average ${info.loadAverage[0]} on ${info.cores} cores at the start: the machine was busy, re-run on a quiet one.`,
  );
}

console.log("\nJSON:");
console.log(
  JSON.stringify({
    benchmark: "crypto",
    machine: info,
    commit: revision,
    wasm,
    kernia: useReferencePort ? "node reference port (BENCH_CRYPTO=node)" : "kernia/crypto (src/crypto/index.ts)",
    options,
    timingSeconds: seconds,
    groups: results,
    targets,
    informational,
  }),
);

// ---------------------------------------------------------------------------------------------

interface WasmDescription {
  build: string;
  simdSupported: boolean;
  files: { name: string; bytes: number; pass: boolean }[];
}

/** Which build runs here, and the size of every built module against the 24 KiB budget. */
function describeWasmBuild(): WasmDescription {
  // The smallest module that uses a v128 instruction (i32.const 0; i8x16.splat): it validates only where
  // the engine has fixed-width SIMD, which is what the core's loader checks to pick its SIMD build.
  const simdProbe = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x08, 0x01,
    0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
  ]);
  const simdSupported = WebAssembly.validate(simdProbe);
  const buildDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build");
  const files = existsSync(buildDir)
    ? readdirSync(buildDir)
        .filter((name) => name.endsWith(".wasm"))
        .sort()
        .map((name) => {
          const bytes = statSync(path.join(buildDir, name)).size;
          return { name: `build/${name}`, bytes, pass: bytes <= 24 * 1024 };
        })
    : [];
  const build = useReferencePort
    ? "none (BENCH_CRYPTO=node)"
    : `${loadedBuild()} (${forcedBuild ? "forced by BENCH_WASM" : "chosen by the core"}; this engine ${simdSupported ? "has" : "lacks"} WASM SIMD)`;
  return { build, simdSupported, files };
}
