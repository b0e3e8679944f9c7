// Shared helpers for the Node-side crypto tests: a seeded PRNG (reproducible random inputs) and the
// cross-check routines that scalar.test.ts re-runs on the scalar build.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import type { CryptoPort, HashAlgorithm, TotpBatchRequest } from "../../src/crypto/port.js";
import { nodeCrypto } from "../../src/crypto/node.js";

export const ALGORITHMS: readonly HashAlgorithm[] = ["SHA-1", "SHA-256", "SHA-512"];
const NODE: Record<HashAlgorithm, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512" };

/** xorshift32: deterministic randomness, so a failure reproduces. */
export function rng(seed: number): { int(max: number): number; bytes(n: number): Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (max) => next() % max,
    bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Every message length 0..300 (covers 55/56/64/111/112/128 boundaries), all three hashes. */
export function crossCheckHashes(impl: CryptoPort): void {
  const r = rng(1);
  const data = r.bytes(300);
  for (let len = 0; len <= 300; len++) {
    const m = data.subarray(0, len);
    assert.equal(hexOf(impl.sha1(m)), createHash("sha1").update(m).digest("hex"), `sha1 length ${len}`);
    assert.equal(hexOf(impl.sha256(m)), createHash("sha256").update(m).digest("hex"), `sha256 length ${len}`);
    assert.equal(hexOf(impl.sha512(m)), createHash("sha512").update(m).digest("hex"), `sha512 length ${len}`);
  }
}

/** HMAC with random keys of every length 0..200 and data of every length 0..300, all three hashes. */
export function crossCheckHmac(impl: CryptoPort): void {
  const r = rng(2);
  for (const alg of ALGORITHMS) {
    for (let keyLen = 0; keyLen <= 200; keyLen++) {
      const key = r.bytes(keyLen);
      const data = r.bytes(r.int(301));
      const want = createHmac(NODE[alg], key).update(data).digest("hex");
      assert.equal(hexOf(impl.hmac(alg, key, data)), want, `${alg} key ${keyLen} data ${data.length}`);
    }
    for (let len = 0; len <= 300; len++) {
      const key = r.bytes(r.int(201));
      const data = r.bytes(len);
      const want = createHmac(NODE[alg], key).update(data).digest("hex");
      assert.equal(hexOf(impl.hmac(alg, key, data)), want, `${alg} key ${key.length} data ${len}`);
    }
  }
}

/** Random HOTP/TOTP against the reference: counters past 2^32, digits 6..10, odd periods. */
export function crossCheckOtp(impl: CryptoPort, rounds = 400): void {
  const r = rng(3);
  for (let i = 0; i < rounds; i++) {
    const algorithm = ALGORITHMS[i % 3];
    const key = r.bytes(1 + r.int(140));
    const digits = 6 + r.int(5);
    const counter = i % 4 === 0 ? r.int(1000) : r.int(2 ** 31) * 2 ** 22 + r.int(2 ** 22);
    assert.equal(impl.hotp(key, counter, { algorithm, digits }), nodeCrypto.hotp(key, counter, { algorithm, digits }), `hotp ${i}`);
    const time = r.int(2 ** 31) * 1000 + r.int(1000);
    const period = [30, 60, 15, 1, 0.5, 45.5][i % 6];
    assert.equal(
      impl.totp(key, { algorithm, digits, time, period }),
      nodeCrypto.totp(key, { algorithm, digits, time, period }),
      `totp ${i}`,
    );
  }
}

/** verifyTotp finds exactly the right delta at every position of windows 0..3, and honours afterStep. */
export function crossCheckVerifyPositions(impl: CryptoPort): void {
  const r = rng(4);
  for (const algorithm of ALGORITHMS) {
    const key = r.bytes(20);
    const prepared = impl.prepareKey(key, algorithm);
    const time = 1_700_000_000_000 + r.int(1_000_000);
    const current = Math.floor(time / 30_000);
    for (let window = 0; window <= 3; window++) {
      for (let delta = -window - 1; delta <= window + 1; delta++) {
        const code = nodeCrypto.hotp(key, current + delta, { algorithm });
        const inside = Math.abs(delta) <= window;
        for (const k of [key, prepared]) {
          const got = impl.verifyTotp(k, code, { algorithm, time, window });
          const want = nodeCrypto.verifyTotp(key, code, { algorithm, time, window });
          assert.deepEqual(got, want, `${algorithm} window ${window} delta ${delta} (reference)`);
          if (inside) assert.deepEqual(got, { valid: true, step: current + delta, delta }, `${algorithm} w${window} d${delta}`);
          // Outside the window a (rare) collision with another step's code is possible; the reference decides.
          if (!inside) assert.equal(got.step === current + delta, false, `${algorithm} accepted delta ${delta} outside window ${window}`);
          // Replay guard: the matched step itself is rejected, the step before it is not a guard.
          if (inside) {
            assert.equal(impl.verifyTotp(k, code, { algorithm, time, window, afterStep: current + delta }).valid, false, "replay");
            assert.equal(impl.verifyTotp(k, code, { algorithm, time, window, afterStep: current + delta - 1 }).valid, true, "after guard");
          }
        }
      }
    }
    prepared.dispose();
  }
  // Near step 0 the window's negative steps do not exist; they never match.
  const key = r.bytes(20);
  const code = nodeCrypto.hotp(key, 0);
  assert.deepEqual(impl.verifyTotp(key, code, { time: 10_000, window: 3 }), { valid: true, step: 0, delta: 0 });
  assert.deepEqual(impl.verifyTotp(key, code, { time: 40_000, window: 3 }), { valid: true, step: 0, delta: -1 });
}

/** A batch of mixed requests equals one-by-one verification and the reference. */
export function crossCheckBatch(impl: CryptoPort, count = 300): void {
  const r = rng(5);
  const time = 1_800_000_000_000;
  const requests: TotpBatchRequest[] = [];
  const disposables: { dispose(): void }[] = [];
  const referenceRequests: TotpBatchRequest[] = [];
  for (let i = 0; i < count; i++) {
    const algorithm = ALGORITHMS[r.int(3)];
    const key = r.bytes(1 + r.int(150));
    const window = r.int(4);
    const digits = 6 + r.int(5);
    const period = [30, 60][r.int(2)];
    const delta = r.int(2 * window + 3) - window - 1;
    const current = Math.floor(time / 1000 / period);
    let code = nodeCrypto.hotp(key, current + delta, { algorithm, digits });
    if (i % 7 === 0) code = code.slice(1); // malformed: wrong length
    if (i % 11 === 0) code = "0".repeat(digits); // almost certainly wrong
    const afterStep = i % 5 === 0 ? current + delta : undefined;
    const usePrepared = i % 2 === 0;
    const k = usePrepared ? impl.prepareKey(key, algorithm) : key;
    if (usePrepared) disposables.push(k as { dispose(): void });
    const options = { algorithm, window, digits, period, time, afterStep };
    requests.push({ key: k, code, ...options });
    referenceRequests.push({ key, code, ...options });
  }
  const batch = impl.verifyTotpBatch(requests);
  const single = requests.map((q) => impl.verifyTotp(q.key, q.code, q));
  const reference = nodeCrypto.verifyTotpBatch(referenceRequests);
  assert.deepEqual(batch, single, "batch vs one-by-one");
  assert.deepEqual(batch, reference, "batch vs reference");
  assert.ok(batch.some((b) => b.valid) && batch.some((b) => !b.valid), "the batch mixes valid and invalid");
  for (const d of disposables) d.dispose();
}

/** A prepared key gives the same codes as the raw key, including keys longer than the block. */
export function crossCheckPrepared(impl: CryptoPort): void {
  const r = rng(6);
  for (let i = 0; i < 60; i++) {
    const algorithm = ALGORITHMS[i % 3];
    const key = r.bytes(1 + r.int(200));
    const prepared = impl.prepareKey(key, algorithm);
    for (let c = 0; c < 5; c++) {
      const counter = r.int(2 ** 30);
      assert.equal(impl.hotp(prepared, counter), impl.hotp(key, counter, { algorithm }), `${algorithm} key ${key.length}`);
    }
    prepared.dispose();
  }
}
