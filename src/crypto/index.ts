/**
 * `kernia/crypto`: the WebAssembly crypto core (SHA-1/256/512, HMAC, HOTP/TOTP, constant-time compare,
 * base32, backup codes). Synchronous, browser-safe (no Node-only imports), instantiated on first use;
 * the SIMD build is used where the engine validates it, else the scalar build.
 *
 * Errors: TypeError for a wrong type, RangeError for a wrong value ("expected X, got Y"); the core keeps
 * working after any error. Bounds: digits 6..10; window 0..10 steps either side; counter 0..2^53-1;
 * period > 0 seconds; time >= 0 ms; HOTP/TOTP/prepareKey keys non-empty; backup-code server key non-empty.
 * `verifyTotp` throws a TypeError when `code` is not a string, and returns {valid:false, step:-1, delta:0}
 * for a string that is not exactly `digits` decimal digits. A prepared key's algorithm is fixed: passing a
 * different `algorithm` with it is a RangeError, and so is using it after `dispose()`.
 * Prepared keys: 1024 slots in WASM memory; past that, `prepareKey` still works but the handle keeps its
 * state in JS and copies it in per call (one 128-byte copy slower).
 */
import { wasmCrypto } from "./wasm.js";

// Every type of the port (its whole surface: the interface and its argument and result types).
export type * from "./port.js";
export { wasmCrypto };

export const {
  sha1,
  sha256,
  sha512,
  hmac,
  hotp,
  totp,
  verifyTotp,
  prepareKey,
  verifyTotpBatch,
  timingSafeEqual,
  base32Encode,
  base32Decode,
  hashBackupCode,
  findBackupCode,
} = wasmCrypto;
