// The scalar build, reached the way an engine without WASM SIMD reaches it: WebAssembly.validate rejects the
// SIMD bytes, so the automatic choice falls back. Then the vector suite and the OTP cross-checks run on it,
// so both builds are covered in Node (test/browser covers both in Chromium).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadedBuild, selectBuild } from "../../src/crypto/internal.js";
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
});
