// The scalar build, reached the way an engine without WASM SIMD reaches it: WebAssembly.validate rejects the
// SIMD bytes, so the automatic choice falls back. Then the vector suite and the OTP cross-checks run on it,
// so both builds are covered in Node (test/browser covers both in Chromium).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadedBuild, scratchNonZero, selectBuild } from "../../src/crypto/internal.js";
import { wasmCrypto } from "../../src/crypto/index.js";
import { coreSuite } from "./suite.js";
import { crossCheckBatch, crossCheckHmac, crossCheckOtp, crossCheckPrepared, crossCheckVerifyPositions } from "./helpers.js";

// Simulate an engine without SIMD: only the SIMD bytes fail validation (the scalar ones are never validated).
const realValidate = WebAssembly.validate;
WebAssembly.validate = () => false;

describe("scalar build", () => {
  before(() => {
    assert.equal(loadedBuild(), "scalar");
    WebAssembly.validate = realValidate;
  });
  test("selectBuild refuses to switch once loaded", () => assert.throws(() => selectBuild("simd"), /already loaded/));
  for (const check of coreSuite(wasmCrypto)) test(check.name, () => check.run());
  test("HMAC cross-check", () => crossCheckHmac(wasmCrypto));
  test("HOTP/TOTP cross-check", () => crossCheckOtp(wasmCrypto, 150));
  test("verifyTotp positions and replay guard", () => crossCheckVerifyPositions(wasmCrypto));
  test("batch equals one-by-one", () => crossCheckBatch(wasmCrypto, 120));
  test("prepared equals plain", () => crossCheckPrepared(wasmCrypto));
  test("scratch memory is zero after each call", () => {
    const key = new Uint8Array(20).fill(3);
    const prepared = wasmCrypto.prepareKey(key, "SHA-512");
    const calls: Array<[string, () => unknown]> = [
      ["hmac with a long key", () => wasmCrypto.hmac("SHA-1", new Uint8Array(100).fill(1), key)],
      ["hotp", () => wasmCrypto.hotp(key, 1, { algorithm: "SHA-256" })],
      ["verifyTotp", () => wasmCrypto.verifyTotp(key, "123456", { window: 2 })],
      ["verifyTotp prepared", () => wasmCrypto.verifyTotp(prepared, "123456")],
      [
        "verifyTotpBatch",
        () =>
          wasmCrypto.verifyTotpBatch([
            { key, code: "123456" },
            { key: prepared, code: "1234567" },
          ]),
      ],
      ["findBackupCode", () => wasmCrypto.findBackupCode(key, "x", [wasmCrypto.hashBackupCode(key, "x")])],
    ];
    for (const [name, call] of calls) {
      call();
      assert.equal(scratchNonZero(), 0, `scratch after ${name}`);
    }
    prepared.dispose();
  });
});
