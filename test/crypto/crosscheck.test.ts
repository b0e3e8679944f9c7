// The WASM core against node:crypto and the reference port over random and boundary inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { wasmCrypto } from "../../src/crypto/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import {
  crossCheckBatch,
  crossCheckHashes,
  crossCheckHmac,
  crossCheckOtp,
  crossCheckPrepared,
  crossCheckVerifyPositions,
  rng,
} from "./helpers.js";

test("hashes: every length 0..300 equals node:crypto", () => crossCheckHashes(wasmCrypto));
test("HMAC: random keys of length 0..200 and data 0..300 equal node:crypto", () => crossCheckHmac(wasmCrypto));
test("HOTP/TOTP: random keys, counters, digits, periods equal the reference", () => crossCheckOtp(wasmCrypto));
test("verifyTotp: exact delta at every position of windows 0..3, afterStep replay guard", () => crossCheckVerifyPositions(wasmCrypto));
test("verifyTotpBatch equals one-by-one and the reference (several job tables)", () => crossCheckBatch(wasmCrypto));
test("prepared keys equal plain keys", () => crossCheckPrepared(wasmCrypto));

test("chained hashing: 1000 rounds of sha256(previous || sha1 || sha512) equal node:crypto", () => {
  let a: Uint8Array = new Uint8Array(0);
  let b: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 1000; i++) {
    const ma = new Uint8Array([...a, ...wasmCrypto.sha1(a), ...wasmCrypto.sha512(a)]);
    a = wasmCrypto.sha256(ma);
    const s1 = createHash("sha1").update(b).digest();
    const s5 = createHash("sha512").update(b).digest();
    b = new Uint8Array(
      createHash("sha256")
        .update(new Uint8Array([...b, ...s1, ...s5]))
        .digest(),
    );
  }
  assert.deepEqual(a, b);
});

test("streaming: inputs spanning several 64 KiB IO chunks", () => {
  const r = rng(7);
  for (const len of [65535, 65536, 65537, 3 * 65536 + 17]) {
    const data = r.bytes(len);
    assert.deepEqual(wasmCrypto.sha512(data), nodeCrypto.sha512(data), `sha512 ${len}`);
    const key = r.bytes(33);
    assert.deepEqual(wasmCrypto.hmac("SHA-1", key, data), nodeCrypto.hmac("SHA-1", key, data), `hmac ${len}`);
  }
});

test("prepared-key slots: past the 1024 slots keys still work (JS-held state), and slots are reused", () => {
  const keys = Array.from({ length: 1100 }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 7, 7, 7]));
  const prepared = keys.map((k) => wasmCrypto.prepareKey(k, "SHA-256"));
  for (const i of [0, 1023, 1024, 1099]) {
    assert.equal(wasmCrypto.hotp(prepared[i], 42), nodeCrypto.hotp(keys[i], 42, { algorithm: "SHA-256" }), `key ${i}`);
  }
  const batch = wasmCrypto.verifyTotpBatch(
    prepared.map((key, i) => ({ key, code: nodeCrypto.totp(keys[i], { time: 5e12, algorithm: "SHA-256" }), time: 5e12 })),
  );
  assert.ok(batch.every((b) => b.valid && b.delta === 0));
  for (const p of prepared) p.dispose();
  const again = Array.from({ length: 1024 }, (_, i) => wasmCrypto.prepareKey(keys[i]));
  assert.equal(wasmCrypto.hotp(again[1023], 1), nodeCrypto.hotp(keys[1023], 1));
  for (const p of again) p.dispose();
});

test("findBackupCode over thousands of hashes (several chunks), with wrong-length entries", () => {
  const key = rng(8).bytes(32);
  const codes = Array.from({ length: 4500 }, (_, i) => `code-${i}`);
  const hashes = codes.map((c) => wasmCrypto.hashBackupCode(key, c));
  hashes[10] = new Uint8Array(31);
  for (const i of [0, 1984, 1985, 4499]) {
    assert.equal(wasmCrypto.findBackupCode(key, codes[i], hashes), i, `code ${i}`);
    assert.equal(nodeCrypto.findBackupCode(key, codes[i], hashes), i, `reference, code ${i}`);
  }
  assert.equal(wasmCrypto.findBackupCode(key, "code-10", hashes), -1, "wrong-length stored hash never matches");
  // A duplicate stored hash: the first index wins, as in the reference.
  hashes[4000] = hashes[3];
  assert.equal(wasmCrypto.findBackupCode(key, codes[3], hashes), 3);
});

test("base32: round trip and agreement with the reference (fast-check)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (data, padding) => {
      const text = wasmCrypto.base32Encode(data, { padding });
      assert.equal(text, nodeCrypto.base32Encode(data, { padding }));
      assert.deepEqual(wasmCrypto.base32Decode(text), data);
      assert.deepEqual(wasmCrypto.base32Decode(text.toLowerCase()), data);
    }),
    { numRuns: 300 },
  );
  const big = rng(9).bytes(100_003);
  assert.deepEqual(wasmCrypto.base32Decode(wasmCrypto.base32Encode(big)), big, "more than one chunk");
  assert.equal(wasmCrypto.base32Encode(big), nodeCrypto.base32Encode(big));
});

test("timingSafeEqual agrees with byte equality at every position and across chunks", () => {
  const r = rng(10);
  for (const len of [1, 7, 8, 9, 32, 33, 40000]) {
    const a = r.bytes(len);
    assert.equal(wasmCrypto.timingSafeEqual(a, a.slice()), true);
    for (const pos of [0, len >> 1, len - 1]) {
      const b = a.slice();
      b[pos] ^= 1 << r.int(8);
      assert.equal(wasmCrypto.timingSafeEqual(a, b), false, `length ${len} differs at ${pos}`);
    }
  }
});

test("verifyTotpBatch past the job-table and temp-slot capacity: every table flush gives the one-by-one result", () => {
  // 700 SHA-1 requests of window 3 (7 candidates each) need 4,900 job rows, about ten 512-row tables; the
  // 350 plain keys need 350 temporary slots, six 64-slot tables. Algorithms are interleaved so each table's
  // results are read back from a range that also holds requests of the other algorithms and malformed codes.
  const r = rng(21);
  const time = 1_700_000_000_000;
  const current = Math.floor(time / 30_000);
  const requests = [];
  const prepared = [];
  for (let i = 0; i < 700; i++) {
    const algorithm = i % 10 === 9 ? "SHA-256" : "SHA-1";
    const key = r.bytes(20);
    const delta = r.int(9) - 4; // -4 and +4 fall outside the window
    let code = nodeCrypto.hotp(key, current + delta, { algorithm });
    if (i % 13 === 0) code = "12345"; // malformed
    const k = i % 2 === 0 ? wasmCrypto.prepareKey(key, algorithm) : key;
    if (k !== key) prepared.push(k as { dispose(): void });
    requests.push({ key: k, code, algorithm, time, window: 3, afterStep: i % 17 === 0 ? current : undefined });
  }
  const batch = wasmCrypto.verifyTotpBatch(requests as never);
  const single = requests.map((q) => wasmCrypto.verifyTotp(q.key, q.code, q as never));
  assert.deepEqual(batch, single);
  assert.ok(batch.filter((b) => b.valid).length > 300, "most requests match");
  for (const p of prepared) p.dispose();
});
