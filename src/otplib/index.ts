/**
 * `kernia/otplib`: an otplib 13 crypto plugin backed by the Kernia WebAssembly core (`kernia/crypto`).
 *
 *   import { generateSync, verifySync } from "otplib";
 *   import { crypto } from "kernia/otplib";
 *   verifySync({ secret, token, crypto });
 *
 * otplib's `CryptoPlugin` (@otplib/core types.d.ts) has no separate sync methods: a plugin is synchronous
 * when `hmac` returns a `Uint8Array` rather than a Promise, and `CryptoContext.hmacSync` (used by
 * `generateSync`/`verifySync`) accepts exactly that. The core is synchronous, so this plugin works with
 * both the sync and the async otplib API. Browser-safe like `kernia/crypto`: no Node-only imports, and the
 * WASM module is instantiated on the first HMAC, not when this module loads.
 *
 * `@otplib/core` is imported (not copied) so algorithm names follow otplib's own rules and errors are
 * otplib's own classes (`AlgorithmUnsupportedError` from "otplib" is the same class): it is an optional
 * peer dependency, present wherever otplib is.
 */
import { normalizeHashAlgorithm, stringToBytes, type CryptoPlugin, type HashAlgorithm } from "@otplib/core";
import { wasmCrypto } from "../crypto/index.js";
import type { HashAlgorithm as KerniaHashAlgorithm } from "../crypto/port.js";

/** otplib's canonical names to the core's; the plugin's `algorithms` is derived from it (as otplib advises). */
const CORE_ALGORITHM: Readonly<Record<HashAlgorithm, KerniaHashAlgorithm>> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha512: "SHA-512",
};
const ALGORITHMS: readonly HashAlgorithm[] = Object.freeze(Object.keys(CORE_ALGORITHM) as HashAlgorithm[]);

/** Web Crypto's getRandomValues fills at most 65,536 bytes per call (W3C Web Cryptography API, 10.1.1). */
const RANDOM_CHUNK = 65_536;

export class KerniaCryptoPlugin implements CryptoPlugin {
  readonly name = "kernia";
  readonly algorithms: readonly HashAlgorithm[] = ALGORITHMS;

  /**
   * HMAC (RFC 2104) in the WASM core. The algorithm is matched the way otplib requires of every plugin
   * (case-insensitive, optional `-`/`_` before the digest size; anything else is otplib's
   * `AlgorithmUnsupportedError`, never a fallback), because plugins are also called directly, not only
   * through otplib's `CryptoContext`, which normalises first.
   */
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    // otplib's CryptoContext has already normalised the name on its path (sha1/sha256/sha512), and
    // normalizeHashAlgorithm maps those to themselves; skipping the second call for them saves one of the
    // four normalisations otplib makes per candidate step (it showed as ~13% of verifySync in a profile).
    const canonical =
      typeof algorithm === "string" && Object.hasOwn(CORE_ALGORITHM, algorithm)
        ? algorithm
        : normalizeHashAlgorithm(algorithm, { supported: this.algorithms, plugin: this.name });
    return wasmCrypto.hmac(CORE_ALGORITHM[canonical], key, data);
  }

  /** Bytes from the platform CSPRNG (`crypto.getRandomValues`, in Node 20+ and every browser). */
  randomBytes(length: number): Uint8Array {
    if (typeof length !== "number") throw new TypeError(`expected length to be a number, got ${typeof length}`);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`expected length to be an integer >= 0, got ${String(length)}`);
    }
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += RANDOM_CHUNK) {
      globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + RANDOM_CHUNK)));
    }
    return out;
  }

  /**
   * Constant-time equality (RFC 4226 section 7.2) in the WASM core. Strings are compared as their UTF-8
   * bytes, as otplib's own plugins do; a length difference is not secret (a token's length is public)
   * and returns false at once.
   */
  constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
    return wasmCrypto.timingSafeEqual(stringToBytes(a), stringToBytes(b));
  }
}

/** A shared, frozen instance, like otplib's own plugins export. */
export const crypto: CryptoPlugin = Object.freeze(new KerniaCryptoPlugin());
