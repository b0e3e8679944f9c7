/**
 * A bounded cache of prepared TOTP keys, so a verification skips the AES-GCM decryption of the stored
 * secret and the HMAC key setup (RFC 2104 inner/outer pads, `crypto.prepareKey`) for a user verified
 * recently.
 *
 * Correctness never depends on it: the entry key is the stored ciphertext string together with the
 * userId. Every new secret is encrypted with a fresh random IV (secret-box.ts), so a changed secret
 * is a different ciphertext and misses; a deleted row is never looked up (the caller reads the row
 * first); and the userId is the AES-GCM associated data, so a hit returns exactly what decrypting that
 * row would. Entries are least recently used first; an evicted or replaced handle is disposed (the
 * WASM port wipes its slot).
 *
 * Trade-off: the prepared HMAC state of each cached user's TOTP secret stays in (WASM) memory until
 * evicted, for up to `max` recently verified users per instance; that state lets anyone who can read
 * the process memory compute that user's codes, as the secret itself would. Without the cache the
 * secret exists in the clear only while one request runs (and until the GC reclaims it). Set
 * `totpOptions.keyCacheSize: 0` to turn the cache off.
 */
import type { CryptoPort, PreparedKey } from "../../crypto/port.js";

export class TotpKeyCache {
  private readonly entries = new Map<string, PreparedKey>();

  /** `max` >= 1; with the cache off (keyCacheSize 0) the caller does not use this class. */
  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The prepared key for this row's secret: cached, or made from `open()` (which decrypts, and throws
   * when the row cannot be decrypted: nothing is cached then). Use the handle synchronously: it may be
   * disposed when a later call evicts it.
   */
  key(crypto: CryptoPort, userId: string, ciphertext: string, open: () => Uint8Array): PreparedKey {
    // Unambiguous: the ciphertext (base64url and dots) has no "\n", so the last one separates the two.
    const id = `${userId}\n${ciphertext}`;
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      this.entries.delete(id); // re-insert: Map order is the recency order
      this.entries.set(id, hit);
      return hit;
    }
    const prepared = crypto.prepareKey(open());
    this.entries.set(id, prepared);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.get(oldest)!.dispose();
      this.entries.delete(oldest);
    }
    return prepared;
  }

  /** Dispose and drop every entry. */
  clear(): void {
    for (const k of this.entries.values()) k.dispose();
    this.entries.clear();
  }
}
