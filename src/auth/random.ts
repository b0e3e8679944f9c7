/**
 * Random identifiers for ids, session tokens and challenge ids.
 * Bytes come from crypto.getRandomValues (WebCrypto CSPRNG). Each byte is mapped to the alphabet by
 * rejection sampling: bytes >= 256 - (256 mod n) are discarded, so every character is exactly equally
 * likely (a plain `byte % n` would favour the first 256 mod n characters: modulo bias).
 */

export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomString(length: number, alphabet: string): string {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`expected a non-negative integer length, got ${length}`);
  const n = alphabet.length;
  if (n < 2 || n > 256) throw new RangeError(`expected an alphabet of 2..256 characters, got ${n}`);
  const limit = 256 - (256 % n);
  // getRandomValues fills at most 65536 bytes per call.
  const buf = new Uint8Array(Math.min(65536, Math.max(16, length + (length >> 1))));
  let out = "";
  while (out.length < length) {
    crypto.getRandomValues(buf);
    for (let i = 0; i < buf.length && out.length < length; i++) {
      const b = buf[i];
      if (b < limit) out += alphabet[b % n];
    }
  }
  return out;
}

/** 32 characters of [A-Za-z0-9] (about 190 bits), the shape Better Auth uses for ids and session tokens. */
export function generateId(): string {
  return randomString(32, ALPHANUMERIC);
}
