/**
 * The crypto port over the WASM core (assembly/). Arguments are checked in TypeScript (validate.ts); the
 * core only sees integers. Every function wipes the scratch it used (IO bytes, digests, job rows,
 * temporary key states) before returning, also when it throws, so no key material outlives a call in
 * WASM memory. The pieces: hash.ts (hashing, HMAC), keys.ts (prepared keys and slots), jobs.ts (the
 * HOTP job table), otp.ts (HOTP/TOTP), compare.ts, base32.ts, backup.ts.
 */
import { findBackupCode, hashBackupCode } from "./backup.js";
import { base32Decode, base32Encode } from "./base32.js";
import { timingSafeEqual } from "./compare.js";
import { digest, hmac } from "./hash.js";
import { prepareKey } from "./keys.js";
import { hotp, totp, verifyTotp, verifyTotpBatch } from "./otp.js";
import type { CryptoPort } from "./port.js";
import { ALGORITHM_ID } from "./validate.js";

export const wasmCrypto: CryptoPort = {
  sha1: (data) => digest(ALGORITHM_ID["SHA-1"], data),
  sha256: (data) => digest(ALGORITHM_ID["SHA-256"], data),
  sha512: (data) => digest(ALGORITHM_ID["SHA-512"], data),
  hmac,
  hotp,
  totp,
  verifyTotp,
  verifyTotpBatch,
  prepareKey,
  timingSafeEqual,
  base32Encode,
  base32Decode,
  hashBackupCode,
  findBackupCode,
};
