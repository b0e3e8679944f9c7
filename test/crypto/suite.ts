/**
 * The vector suite as a list of named checks, runnable against any CryptoPort in any runtime: the node:test
 * files wrap each check in `test()`, and test/browser/crypto.test.ts runs the same list inside Chromium.
 * No node:* imports here, on purpose.
 */
import type { CryptoPort, HashAlgorithm } from "../../src/crypto/port.js";
import { FIPS180_VECTORS, paddedBlocks } from "./vectors/fips180.js";
import { RFC2202_SHA1 } from "./vectors/rfc2202.js";
import { RFC4226_SECRET, RFC4226_SECRET_BASE32, RFC4226_VECTORS } from "./vectors/rfc4226.js";
import { RFC4231_VECTORS } from "./vectors/rfc4231.js";
import { RFC4648_BASE32 } from "./vectors/rfc4648.js";
import { RFC6238_SEEDS, RFC6238_VECTORS } from "./vectors/rfc6238.js";

export interface Check {
  name: string;
  run(): void;
}

const encoder = new TextEncoder();
export const ascii = (s: string): Uint8Array => encoder.encode(s);

export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function counterBytes(counter: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(out.buffer).setUint32(4, counter >>> 0);
  return out;
}

/** RFC 4226 5.3 dynamic truncation, written out independently of both ports. */
function truncate(mac: Uint8Array): number {
  const o = mac[mac.length - 1] & 0x0f;
  return (mac[o] & 0x7f) * 2 ** 24 + (mac[o + 1] << 16) + (mac[o + 2] << 8) + mac[o + 3];
}

const HASHES = [
  ["sha1", 64],
  ["sha256", 64],
  ["sha512", 128],
] as const;

export function coreSuite(impl: CryptoPort): Check[] {
  const checks: Check[] = [];
  const add = (name: string, run: () => void): void => void checks.push({ name, run });

  // FIPS 180-4
  for (const v of FIPS180_VECTORS) {
    const message = typeof v.message === "string" ? ascii(v.message) : ascii(v.message.repeat.repeat(v.message.times));
    for (const [fn, block] of HASHES) {
      add(`FIPS 180-4 ${fn} ${v.name}`, () => {
        expectEqual(paddedBlocks(message.length, block), v.blocks[fn], "padded block count");
        expectEqual(hex(impl[fn](message)), v[fn], "digest");
      });
    }
  }

  // RFC 2202 / RFC 4231
  for (const v of RFC2202_SHA1) {
    add(`RFC 2202 HMAC-SHA-1 ${v.name}`, () => {
      const mac = hex(impl.hmac("SHA-1", fromHex(v.key), fromHex(v.data)));
      expectEqual(mac.length, 40, "MAC length (hex)");
      expectEqual(v.truncateBytes ? mac.slice(0, v.truncateBytes * 2) : mac, v.mac, "MAC");
    });
  }
  for (const v of RFC4231_VECTORS) {
    for (const [alg, field, size] of [
      ["SHA-256", "sha256", 32],
      ["SHA-512", "sha512", 64],
    ] as const) {
      add(`RFC 4231 HMAC-${alg} ${v.name}`, () => {
        const mac = hex(impl.hmac(alg, fromHex(v.key), fromHex(v.data)));
        expectEqual(mac.length, size * 2, "MAC length (hex)");
        expectEqual(v.truncateBytes ? mac.slice(0, v.truncateBytes * 2) : mac, v[field], "MAC");
      });
    }
  }

  // RFC 4226 appendix D, layer by layer: HMAC, truncation, code.
  const secret = ascii(RFC4226_SECRET);
  for (const v of RFC4226_VECTORS) {
    add(`RFC 4226 counter ${v.counter}`, () => {
      const mac = impl.hmac("SHA-1", secret, counterBytes(v.counter));
      expectEqual(hex(mac), v.hmacSha1, "HMAC-SHA-1(secret, counter)");
      expectEqual(truncate(mac), v.truncated, "dynamic truncation");
      expectEqual(truncate(mac).toString(16), v.truncatedHex, "truncation (hex)");
      expectEqual(impl.hotp(secret, v.counter), v.hotp, "6-digit HOTP");
      expectEqual(impl.hotp(secret, v.counter, { digits: 8 }), String(v.truncated % 1e8).padStart(8, "0"), "8-digit HOTP");
      // 10 digits: the 31-bit value itself (< 2^31 < 10^10), zero-padded.
      expectEqual(impl.hotp(secret, v.counter, { digits: 10 }), String(v.truncated).padStart(10, "0"), "10-digit HOTP");
    });
  }
  add("RFC 4226 secret from base32", () => {
    expectEqual(hex(impl.base32Decode(RFC4226_SECRET_BASE32)), hex(secret), "decoded secret");
    expectEqual(impl.base32Encode(secret), RFC4226_SECRET_BASE32, "encoded secret");
    expectEqual(impl.hotp(impl.base32Decode(RFC4226_SECRET_BASE32), 0), "755224", "HOTP from decoded secret");
  });

  // RFC 6238 appendix B
  for (const v of RFC6238_VECTORS) {
    for (const alg of ["SHA-1", "SHA-256", "SHA-512"] as HashAlgorithm[]) {
      add(`RFC 6238 ${alg} t=${v.time}`, () => {
        const seed = ascii(RFC6238_SEEDS[alg]);
        const step = parseInt(v.stepHex, 16);
        expectEqual(Math.floor(v.time / 30), step, "T");
        const options = { time: v.time * 1000, digits: 8, algorithm: alg };
        expectEqual(impl.hotp(seed, step, { digits: 8, algorithm: alg }), v.totp[alg], "HOTP at T");
        expectEqual(impl.totp(seed, options), v.totp[alg], "TOTP");
        const result = impl.verifyTotp(seed, v.totp[alg], { ...options, window: 1 });
        expectEqual(JSON.stringify(result), JSON.stringify({ valid: true, step, delta: 0 }), "verifyTotp");
        const prepared = impl.prepareKey(seed, alg);
        try {
          expectEqual(impl.totp(prepared, options), v.totp[alg], "TOTP with a prepared key");
          const late = impl.verifyTotp(prepared, v.totp[alg], { ...options, time: (v.time + 30) * 1000 });
          expectEqual(JSON.stringify(late), JSON.stringify({ valid: true, step, delta: -1 }), "verifyTotp one step late");
          const replay = impl.verifyTotp(prepared, v.totp[alg], { ...options, afterStep: step });
          expectEqual(replay.valid, false, "verifyTotp with afterStep = T (replay)");
        } finally {
          prepared.dispose();
        }
      });
    }
  }

  // RFC 4648 section 10
  for (const [input, encoded] of RFC4648_BASE32) {
    add(`RFC 4648 base32 ${JSON.stringify(input)}`, () => {
      expectEqual(impl.base32Encode(ascii(input)), encoded, "padded encoding");
      expectEqual(impl.base32Encode(ascii(input), { padding: false }), encoded.replace(/=+$/, ""), "unpadded encoding");
      expectEqual(hex(impl.base32Decode(encoded)), hex(ascii(input)), "decode padded");
      expectEqual(hex(impl.base32Decode(encoded.replace(/=+$/, ""))), hex(ascii(input)), "decode unpadded");
      expectEqual(hex(impl.base32Decode(encoded.toLowerCase())), hex(ascii(input)), "decode lower case");
    });
  }
  add("base32 rejects characters outside the alphabet", () => {
    for (const bad of ["MZXW6YT1", "MZXW 6YTB", "MZ=XW6YTB", "MZXW6YT8", "MZXW6YTÉ"]) {
      let threw = false;
      try {
        impl.base32Decode(bad);
      } catch (error) {
        threw = error instanceof RangeError;
      }
      expectEqual(threw, true, `RangeError for ${JSON.stringify(bad)}`);
    }
  });

  // Constant-time compare and backup codes (docs/security.md).
  add("timingSafeEqual", () => {
    expectEqual(impl.timingSafeEqual(ascii("123456"), ascii("123456")), true, "equal");
    expectEqual(impl.timingSafeEqual(ascii("123456"), ascii("123457")), false, "last byte differs");
    expectEqual(impl.timingSafeEqual(ascii("023456"), ascii("123456")), false, "first byte differs");
    expectEqual(impl.timingSafeEqual(ascii("12345"), ascii("123456")), false, "length differs");
    expectEqual(impl.timingSafeEqual(new Uint8Array(0), new Uint8Array(0)), true, "both empty");
  });
  add("backup codes: HMAC-SHA-256 under the server key, found among stored hashes", () => {
    const key = fromHex("0b".repeat(20));
    // RFC 4231 case 1 doubles as the backup-code hash of "Hi There".
    expectEqual(hex(impl.hashBackupCode(key, "Hi There")), RFC4231_VECTORS[0].sha256, "hash of a code");
    expectEqual(hex(impl.hashBackupCode(key, ascii("Hi There"))), RFC4231_VECTORS[0].sha256, "hash of code bytes");
    const stored = ["aaaa-1111", "bbbb-2222", "cccc-3333"].map((c) => impl.hashBackupCode(key, c));
    expectEqual(impl.findBackupCode(key, "bbbb-2222", stored), 1, "index of a stored code");
    expectEqual(impl.findBackupCode(key, "dddd-4444", stored), -1, "unknown code");
    expectEqual(impl.findBackupCode(fromHex("0c".repeat(20)), "bbbb-2222", stored), -1, "other server key");
    expectEqual(impl.findBackupCode(key, "aaaa-1111", []), -1, "empty list");
  });
  return checks;
}
