/**
 * The reference implementation of the crypto port over `node:crypto`.
 * Used by the tests as an independent oracle for the WASM core, and selectable with
 * `init({ advanced: { crypto: nodeCrypto } })` on hosts that forbid WebAssembly.
 * Plain and obvious on purpose: no caching tricks, so it is easy to trust.
 */
import { createHash, createHmac, timingSafeEqual as nodeTimingSafeEqual } from "node:crypto";
import type {
  CryptoPort,
  HashAlgorithm,
  HotpOptions,
  KeyInput,
  PreparedKey,
  TotpBatchRequest,
  TotpOptions,
  VerifyTotpOptions,
  VerifyTotpResult,
} from "./port.js";

const NODE_NAME: Record<HashAlgorithm, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512" };
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const encoder = new TextEncoder();

class NodePreparedKey implements PreparedKey {
  constructor(
    readonly key: Uint8Array,
    readonly algorithm: HashAlgorithm,
  ) {}
  dispose(): void {
    this.key.fill(0);
  }
}

function keyBytes(key: KeyInput): { bytes: Uint8Array; algorithm?: HashAlgorithm } {
  if (key instanceof NodePreparedKey) return { bytes: key.key, algorithm: key.algorithm };
  if (key instanceof Uint8Array) return { bytes: key };
  throw new TypeError(`expected Uint8Array or a key from nodeCrypto.prepareKey, got ${typeof key}`);
}

function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(NODE_NAME[algorithm], key).update(data).digest());
}

/** RFC 4226 section 5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, mod 10^digits. */
function hotp(key: KeyInput, counter: number, options: HotpOptions = {}): string {
  const { bytes, algorithm: prepared } = keyBytes(key);
  const algorithm = options.algorithm ?? prepared ?? "SHA-1";
  const digits = options.digits ?? 6;
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(algorithm, bytes, msg);
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return (BigInt(binary) % 10n ** BigInt(digits)).toString().padStart(digits, "0");
}

function stepAt(options: TotpOptions): number {
  const time = options.time ?? Date.now();
  const period = options.period ?? 30;
  return Math.floor(time / 1000 / period);
}

function totp(key: KeyInput, options: TotpOptions = {}): string {
  return hotp(key, stepAt(options), options);
}

function verifyTotp(key: KeyInput, code: string, options: VerifyTotpOptions = {}): VerifyTotpResult {
  const window = options.window ?? 1;
  const current = stepAt(options);
  let matched = -1;
  for (let delta = -window; delta <= window; delta++) {
    const step = current + delta;
    if (step < 0) continue;
    if (options.afterStep !== undefined && step <= options.afterStep) continue;
    const candidate = hotp(key, step, options);
    if (timingSafeEqual(encoder.encode(candidate), encoder.encode(code)) && matched < 0) matched = step;
  }
  return matched < 0 ? { valid: false, step: -1, delta: 0 } : { valid: true, step: matched, delta: matched - current };
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return nodeTimingSafeEqual(a, b);
}

function base32Encode(data: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  if (options.padding ?? true) while (out.length % 8 !== 0) out += "=";
  return out;
}

function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, "").toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new RangeError(`expected base32 characters A-Z and 2-7, got ${JSON.stringify(ch)}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

function toBytes(code: string | Uint8Array): Uint8Array {
  return typeof code === "string" ? encoder.encode(code) : code;
}

export const nodeCrypto: CryptoPort = {
  sha1: (data) => new Uint8Array(createHash("sha1").update(data).digest()),
  sha256: (data) => new Uint8Array(createHash("sha256").update(data).digest()),
  sha512: (data) => new Uint8Array(createHash("sha512").update(data).digest()),
  hmac,
  hotp,
  totp,
  verifyTotp,
  verifyTotpBatch: (requests: readonly TotpBatchRequest[]) => requests.map((r) => verifyTotp(r.key, r.code, r)),
  prepareKey: (key, algorithm = "SHA-1") => new NodePreparedKey(Uint8Array.from(key), algorithm),
  timingSafeEqual,
  base32Encode,
  base32Decode,
  hashBackupCode: (key, code) => hmac("SHA-256", key, toBytes(code)),
  findBackupCode(key, code, hashes) {
    const wanted = hmac("SHA-256", key, toBytes(code));
    let found = -1;
    hashes.forEach((hash, i) => {
      if (timingSafeEqual(hash, wanted) && found < 0) found = i;
    });
    return found;
  },
};
