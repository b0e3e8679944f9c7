// Misuse of kernia/crypto: each wrong input throws the documented error type with an "expected X, got Y"
// message, nothing traps in WASM, the core keeps working afterwards, and no call leaves scratch memory dirty.
// The same misuse cases run on the node:crypto reference port, which validates with the same checks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "../../src/crypto/index.js";
import type { CryptoPort } from "../../src/crypto/port.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { scratchNonZero } from "../../src/crypto/internal.js";
import { RFC4226_SECRET } from "./vectors/rfc4226.js";

const key = new TextEncoder().encode(RFC4226_SECRET);
const any = (v: unknown): never => v as never;

/** The core still answers RFC 4226 correctly and its scratch region is all zero. */
function assertHealthy(context: string): void {
  assert.equal(scratchNonZero(), 0, `scratch wiped after ${context}`);
  assert.equal(crypto.hotp(key, 0), "755224", `core works after ${context}`);
  assert.equal(crypto.verifyTotp(key, "94287082", { time: 59_000, digits: 8 }).valid, true, `verify works after ${context}`);
  assert.equal(scratchNonZero(), 0, `scratch wiped after the health check (${context})`);
}

type Case = [name: string, error: typeof TypeError | typeof RangeError, run: () => unknown];

const misuseCases = (crypto: CryptoPort): Case[] => [
  ["sha256 of a string", TypeError, () => crypto.sha256(any("abc"))],
  ["sha1 of null", TypeError, () => crypto.sha1(any(null))],
  ["sha512 of an ArrayBuffer", TypeError, () => crypto.sha512(any(new ArrayBuffer(4)))],
  ["sha256 of a plain array", TypeError, () => crypto.sha256(any([1, 2, 3]))],
  ["hmac with an unknown algorithm", RangeError, () => crypto.hmac(any("MD5"), key, key)],
  ["hmac with a lower-case algorithm name", RangeError, () => crypto.hmac(any("sha256"), key, key)],
  ["hmac with an inherited property name as algorithm", RangeError, () => crypto.hmac(any("toString"), key, key)],
  ["hmac with a numeric algorithm", TypeError, () => crypto.hmac(any(1), key, key)],
  ["hmac with a string key", TypeError, () => crypto.hmac("SHA-1", any("key"), key)],
  ["hmac with string data", TypeError, () => crypto.hmac("SHA-1", key, any("data"))],
  ["hotp with an empty key", RangeError, () => crypto.hotp(new Uint8Array(0), 0)],
  ["hotp with a string key", TypeError, () => crypto.hotp(any("12345678901234567890"), 0)],
  ["hotp with a look-alike prepared key", TypeError, () => crypto.hotp(any({ algorithm: "SHA-1", dispose() {} }), 0)],
  ["hotp with 5 digits", RangeError, () => crypto.hotp(key, 0, { digits: 5 })],
  ["hotp with 11 digits", RangeError, () => crypto.hotp(key, 0, { digits: 11 })],
  ["hotp with 6.5 digits", RangeError, () => crypto.hotp(key, 0, { digits: 6.5 })],
  ["hotp with digits as a string", TypeError, () => crypto.hotp(key, 0, { digits: any("6") })],
  ["hotp with a negative counter", RangeError, () => crypto.hotp(key, -1)],
  ["hotp with a fractional counter", RangeError, () => crypto.hotp(key, 1.5)],
  ["hotp with counter 2^53", RangeError, () => crypto.hotp(key, 2 ** 53)],
  ["hotp with counter NaN", RangeError, () => crypto.hotp(key, NaN)],
  ["hotp with a string counter", TypeError, () => crypto.hotp(key, any("1"))],
  ["hotp with a bigint counter", TypeError, () => crypto.hotp(key, any(1n))],
  ["hotp with options that are not an object", TypeError, () => crypto.hotp(key, 0, any("SHA-1"))],
  ["totp with period 0", RangeError, () => crypto.totp(key, { period: 0 })],
  ["totp with a negative period", RangeError, () => crypto.totp(key, { period: -30 })],
  ["totp with period NaN", RangeError, () => crypto.totp(key, { period: NaN })],
  ["totp with a negative time", RangeError, () => crypto.totp(key, { time: -1 })],
  ["totp with time Infinity", RangeError, () => crypto.totp(key, { time: Infinity })],
  ["totp with a Date as time", TypeError, () => crypto.totp(key, { time: any(new Date()) })],
  ["totp with an unknown algorithm", RangeError, () => crypto.totp(key, { algorithm: any("SHA-384") })],
  ["verifyTotp with window -1", RangeError, () => crypto.verifyTotp(key, "123456", { window: -1 })],
  ["verifyTotp with window 11", RangeError, () => crypto.verifyTotp(key, "123456", { window: 11 })],
  ["verifyTotp with window 1.5", RangeError, () => crypto.verifyTotp(key, "123456", { window: 1.5 })],
  ["verifyTotp with a numeric code", TypeError, () => crypto.verifyTotp(key, any(123456))],
  ["verifyTotp with a null code", TypeError, () => crypto.verifyTotp(key, any(null))],
  ["verifyTotp with a fractional afterStep", RangeError, () => crypto.verifyTotp(key, "123456", { afterStep: 1.5 })],
  ["verifyTotp with an empty key", RangeError, () => crypto.verifyTotp(new Uint8Array(0), "123456")],
  ["verifyTotpBatch of a non-array", TypeError, () => crypto.verifyTotpBatch(any("x"))],
  ["verifyTotpBatch with a null request", TypeError, () => crypto.verifyTotpBatch(any([null]))],
  [
    "verifyTotpBatch with one bad request among good ones",
    RangeError,
    () =>
      crypto.verifyTotpBatch([
        { key, code: "123456" },
        { key, code: "123456", digits: 12 },
      ]),
  ],
  ["prepareKey with an empty key", RangeError, () => crypto.prepareKey(new Uint8Array(0))],
  ["prepareKey with an unknown algorithm", RangeError, () => crypto.prepareKey(key, any("SHA-3"))],
  ["timingSafeEqual of strings", TypeError, () => crypto.timingSafeEqual(any("a"), any("a"))],
  ["base32Encode of a string", TypeError, () => crypto.base32Encode(any("foo"))],
  ["base32Encode with a non-boolean padding", TypeError, () => crypto.base32Encode(key, { padding: any("yes") })],
  ["base32Decode of a number", TypeError, () => crypto.base32Decode(any(5))],
  ["base32Decode of a digit outside 2-7", RangeError, () => crypto.base32Decode("GEZDGNBVGY3TQOJ1")],
  ["base32Decode with padding in the middle", RangeError, () => crypto.base32Decode("MZ======XW")],
  ["base32Decode with a bad character in the second chunk", RangeError, () => crypto.base32Decode("A".repeat(40000) + "!")],
  ["hashBackupCode with an empty server key", RangeError, () => crypto.hashBackupCode(new Uint8Array(0), "code")],
  ["hashBackupCode with a numeric code", TypeError, () => crypto.hashBackupCode(key, any(1234))],
  ["findBackupCode with hashes not an array", TypeError, () => crypto.findBackupCode(key, "code", any("hash"))],
  ["findBackupCode with a string among hashes", TypeError, () => crypto.findBackupCode(key, "code", any([new Uint8Array(32), "x"]))],
];

for (const [portName, port] of [
  ["wasm core", crypto.wasmCrypto],
  ["node:crypto reference", nodeCrypto],
] as const) {
  describe(`misuse: ${portName}`, () => {
    for (const [name, ErrorType, run] of misuseCases(port)) {
      test(`${name} throws ${ErrorType.name}`, () => {
        assert.throws(run, (error: unknown) => {
          assert.ok(error instanceof ErrorType, `expected ${ErrorType.name}, got ${String(error)}`);
          assert.match((error as Error).message, /^expected .+, got .+/);
          return true;
        });
        if (port === crypto.wasmCrypto) assertHealthy(name);
      });
    }
  });
}

// Inputs wrong in more than one way: both ports check in the same order, so they report the same fault.
const combinedCases = (crypto: CryptoPort): Case[] => [
  ["totp with a string key and period 0", TypeError, () => crypto.totp(any("key"), { period: 0 })],
  ["totp with 5 digits and a negative time", RangeError, () => crypto.totp(key, { digits: 5, time: -1 })],
  ["verifyTotp with window 11 and a numeric code", RangeError, () => crypto.verifyTotp(key, any(1), { window: 11 })],
  [
    "verifyTotpBatch with a bad request before a null one",
    RangeError,
    () => crypto.verifyTotpBatch(any([{ key, code: "1", digits: 12 }, null])),
  ],
  ["base32Decode of an emoji", RangeError, () => crypto.base32Decode("MZXW\u{1F600}")],
  // U+017F LATIN SMALL LETTER LONG S upper-cases to "S": only ASCII letters are case-folded (RFC 4648 section 6).
  ["base32Decode of a long s", RangeError, () => crypto.base32Decode("MZXW6YT\u017F")],
  ["findBackupCode with an empty key and hashes not an array", RangeError, () => crypto.findBackupCode(new Uint8Array(0), "c", any("x"))],
];

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

test("both ports reject every misuse with the same error type and message (src/crypto/validate.ts)", () => {
  const wasm = [...misuseCases(crypto.wasmCrypto), ...combinedCases(crypto.wasmCrypto)];
  const node = [...misuseCases(nodeCrypto), ...combinedCases(nodeCrypto)];
  for (let i = 0; i < wasm.length; i++) {
    const [name, ErrorType] = wasm[i];
    const a = thrown(wasm[i][2]);
    const b = thrown(node[i][2]);
    assert.ok(a instanceof ErrorType, `${name}: wasm threw ${String(a)}`);
    assert.equal(b.constructor, a.constructor, `${name}: same error type`);
    assert.equal(b.message, a.message, `${name}: same message`);
  }
  assertHealthy("the cross-port comparison");
});

test("verifyTotp returns invalid (does not throw) for strings that are not `digits` decimal digits", () => {
  const time = 59_000;
  const right = crypto.totp(key, { time });
  for (const code of ["", right.slice(1), right + "0", ` ${right.slice(1)}`, "12a456", "１２３４５６", "-12345", "1e5000", "0x1234"]) {
    assert.deepEqual(crypto.verifyTotp(key, code, { time }), { valid: false, step: -1, delta: 0 }, JSON.stringify(code));
    assert.deepEqual(crypto.verifyTotpBatch([{ key, code, time }]), [{ valid: false, step: -1, delta: 0 }]);
  }
  // A 10-digit string above 2^31 can never be a code (codes are 31-bit values): invalid, no error.
  assert.deepEqual(crypto.verifyTotp(key, "9999999999", { time, digits: 10 }), { valid: false, step: -1, delta: 0 });
  assertHealthy("malformed codes");
});

test("a prepared key rejects another algorithm and use after dispose", () => {
  const prepared = crypto.prepareKey(key, "SHA-256");
  assert.throws(() => crypto.hotp(prepared, 0, { algorithm: "SHA-1" }), RangeError);
  assert.equal(crypto.hotp(prepared, 0, { algorithm: "SHA-256" }), nodeCrypto.hotp(key, 0, { algorithm: "SHA-256" }));
  prepared.dispose();
  prepared.dispose(); // idempotent
  assert.throws(() => crypto.totp(prepared), /expected a live prepared key/);
  assertHealthy("dispose");
});

test("a prepared key from the reference port is not accepted by the WASM core", () => {
  const foreign = nodeCrypto.prepareKey(key);
  assert.throws(() => crypto.hotp(foreign, 0), TypeError);
  assertHealthy("foreign key");
});

test("scratch memory is zero after every kind of call", () => {
  const data = new Uint8Array(100_000).fill(7);
  const prepared = crypto.prepareKey(key, "SHA-512");
  const calls: Array<[string, () => unknown]> = [
    ["sha1", () => crypto.sha1(data)],
    ["sha256", () => crypto.sha256(data)],
    ["sha512", () => crypto.sha512(data)],
    ["hmac with a long key", () => crypto.hmac("SHA-256", data.subarray(0, 300), data)],
    ["hotp", () => crypto.hotp(key, 7)],
    ["totp", () => crypto.totp(prepared)],
    ["verifyTotp", () => crypto.verifyTotp(key, "123456")],
    ["verifyTotp prepared", () => crypto.verifyTotp(prepared, "123456", { window: 3 })],
    [
      "verifyTotpBatch",
      () =>
        crypto.verifyTotpBatch([
          { key, code: "123456" },
          { key: prepared, code: "654321", window: 2 },
        ]),
    ],
    ["timingSafeEqual", () => crypto.timingSafeEqual(data, data)],
    ["base32Encode", () => crypto.base32Encode(data)],
    ["base32Decode", () => crypto.base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")],
    ["hashBackupCode", () => crypto.hashBackupCode(key, "abcd-efgh")],
    ["findBackupCode", () => crypto.findBackupCode(key, "abcd-efgh", [crypto.hashBackupCode(key, "abcd-efgh")])],
  ];
  for (const [name, call] of calls) {
    call();
    assert.equal(scratchNonZero(), 0, `scratch after ${name}`);
  }
  prepared.dispose();
});

test("huge inputs: 100 MB hash and HMAC stream through the fixed memory", () => {
  const big = new Uint8Array(100 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  assert.deepEqual(crypto.sha256(big), nodeCrypto.sha256(big));
  assert.deepEqual(crypto.hmac("SHA-512", key, big), nodeCrypto.hmac("SHA-512", key, big));
  assertHealthy("100 MB inputs");
});

test("a bad base32 character is reported by index only: the text may be a secret with a typo", () => {
  for (const port of [crypto.wasmCrypto, nodeCrypto]) {
    assert.throws(
      () => port.base32Decode("JBSWY3DPEHPK3PX1"),
      (e: unknown) => e instanceof RangeError && /at index 15/.test(e.message) && !e.message.includes('1"'),
    );
  }
});
