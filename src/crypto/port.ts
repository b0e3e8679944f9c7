/**
 * The crypto port: what the auth core and plugins need from a crypto implementation.
 * `kernia/crypto` (the WASM core) is the default; `kernia/crypto/node` (node:crypto) is the reference
 * used by the tests and the fallback for hosts that forbid WebAssembly. Select with `advanced.crypto`.
 */

export type HashAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";

/** A key with cached HMAC inner/outer state (from `prepareKey`); accepted wherever a key is. */
export interface PreparedKey {
  readonly algorithm: HashAlgorithm;
  dispose(): void;
}

export type KeyInput = Uint8Array | PreparedKey;

export interface HotpOptions {
  digits?: number; // 6..10, default 6
  algorithm?: HashAlgorithm; // default SHA-1
}

export interface TotpOptions extends HotpOptions {
  time?: number; // unix milliseconds, default Date.now()
  period?: number; // seconds, default 30
}

export interface VerifyTotpOptions extends TotpOptions {
  window?: number; // steps either side, default 1
  afterStep?: number; // reject any step <= afterStep (replay guard)
}

export interface VerifyTotpResult {
  valid: boolean;
  /** The matched time step (counter), or -1. */
  step: number;
  /** matched step minus current step, or 0 when not valid. */
  delta: number;
}

export interface TotpBatchRequest extends VerifyTotpOptions {
  key: KeyInput;
  code: string;
}

export interface CryptoPort {
  sha1(data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  hotp(key: KeyInput, counter: number, options?: HotpOptions): string;
  totp(key: KeyInput, options?: TotpOptions): string;
  verifyTotp(key: KeyInput, code: string, options?: VerifyTotpOptions): VerifyTotpResult;
  verifyTotpBatch(requests: readonly TotpBatchRequest[]): VerifyTotpResult[];
  prepareKey(key: Uint8Array, algorithm?: HashAlgorithm): PreparedKey;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  base32Encode(data: Uint8Array, options?: { padding?: boolean }): string;
  base32Decode(text: string): Uint8Array;
  /** HMAC-SHA-256(key, code) */
  hashBackupCode(key: Uint8Array, code: string | Uint8Array): Uint8Array;
  /** Index of the hash equal to hashBackupCode(key, code), or -1; touches every hash (constant time in the list). */
  findBackupCode(key: Uint8Array, code: string | Uint8Array, hashes: readonly Uint8Array[]): number;
}
