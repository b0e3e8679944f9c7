/**
 * The reference implementation of the crypto port over `node:crypto`.
 * Used by the tests as an independent oracle for the WASM core, and selectable with
 * `init({ advanced: { crypto: nodeCrypto } })` on hosts that forbid WebAssembly.
 * Plain and obvious on purpose: no caching tricks, so it is easy to trust. Its arguments are checked by
 * the same functions, in the same order, as the WASM port's (src/crypto/validate.ts), so both throw the
 * same error for the same misuse.
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
import {
  ALGORITHM_NAME,
  afterStep as checkAfterStep,
  algorithmId,
  base32Error,
  base32Text,
  batchRequest,
  batchRequests,
  bytes,
  codeBytes,
  counter as checkCounter,
  digits as checkDigits,
  hashList,
  options as checkOptions,
  otpKey,
  padding,
  parseCode,
  plainKeyAlgorithm,
  preparedAlgorithm,
  serverKey,
  timeStep,
  windowSteps,
} from "./validate.js";

const NODE_NAME: Record<HashAlgorithm, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512" };
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const encoder = new TextEncoder();

class NodePreparedKey implements PreparedKey {
  disposed = false;
  constructor(
    readonly key: Uint8Array,
    readonly algorithm: HashAlgorithm,
  ) {}
  dispose(): void {
    this.key.fill(0);
    this.disposed = true;
  }
}

/** The key bytes and the algorithm to use with them (a prepared key fixes its algorithm). */
function keyBytes(key: KeyInput, algorithm: unknown): { bytes: Uint8Array; algorithm: HashAlgorithm } {
  if (key instanceof NodePreparedKey) return { bytes: key.key, algorithm: ALGORITHM_NAME[preparedAlgorithm(key, algorithm)] };
  return { bytes: key as Uint8Array, algorithm: ALGORITHM_NAME[plainKeyAlgorithm(key, algorithm)] };
}

function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const name = NODE_NAME[ALGORITHM_NAME[algorithmId(algorithm, undefined)]];
  return new Uint8Array(createHmac(name, bytes(key, "key")).update(bytes(data, "data")).digest());
}

/** RFC 4226 section 5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, mod 10^digits. */
function hotpOf(keyData: Uint8Array, algorithm: HashAlgorithm, counter: number, digits: number): string {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(algorithm, keyData, msg);
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return (BigInt(binary) % 10n ** BigInt(digits)).toString().padStart(digits, "0");
}

function hotp(key: KeyInput, counter: number, options?: HotpOptions): string {
  const opts = checkOptions(options);
  const { bytes: keyData, algorithm } = keyBytes(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  return hotpOf(keyData, algorithm, checkCounter(counter), digits);
}

/** RFC 6238 section 4: HOTP at T = floor(time / 1000 / period) (src/crypto/validate.ts timeStep). */
function totp(key: KeyInput, options?: TotpOptions): string {
  const opts = checkOptions(options);
  const { bytes: keyData, algorithm } = keyBytes(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  return hotpOf(keyData, algorithm, timeStep(opts), digits);
}

/** Checks a verification like the WASM port does (all checks before any work). */
function checkVerify(key: KeyInput, code: string, options: VerifyTotpOptions | undefined) {
  const opts = checkOptions(options);
  const { bytes: keyData, algorithm } = keyBytes(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  const window = windowSteps(opts.window);
  const current = timeStep(opts);
  const after = checkAfterStep(opts.afterStep);
  // TypeError for a non-string; any other string that is not `digits` decimal digits is simply invalid.
  const wellFormed = parseCode(code, digits) >= 0;
  return { keyData, algorithm, digits, window, current, after, wellFormed };
}

/** RFC 6238 section 5.2: every step of the window is computed and compared; the first match wins. */
function verifyTotp(key: KeyInput, code: string, options?: VerifyTotpOptions): VerifyTotpResult {
  const { keyData, algorithm, digits, window, current, after, wellFormed } = checkVerify(key, code, options);
  if (!wellFormed) return { valid: false, step: -1, delta: 0 };
  let matched = -1;
  for (let delta = -window; delta <= window; delta++) {
    const step = current + delta;
    if (step < 0 || step <= after) continue;
    const candidate = hotpOf(keyData, algorithm, step, digits);
    if (timingSafeEqual(encoder.encode(candidate), encoder.encode(code)) && matched < 0) matched = step;
  }
  return matched < 0 ? { valid: false, step: -1, delta: 0 } : { valid: true, step: matched, delta: matched - current };
}

function verifyTotpBatch(requests: readonly TotpBatchRequest[]): VerifyTotpResult[] {
  batchRequests(requests);
  // Every request is checked before any is answered, one by one in order, as in the WASM port.
  requests.forEach((r, i) => checkVerify(batchRequest(r, i).key, r.code, r));
  return requests.map((r) => verifyTotp(r.key, r.code, r));
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  bytes(a, "a");
  bytes(b, "b");
  if (a.length !== b.length) return false;
  return nodeTimingSafeEqual(a, b);
}

/** RFC 4648 section 6. */
function base32Encode(data: Uint8Array, options?: { padding?: boolean }): string {
  bytes(data, "data");
  const pad = padding(options);
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
  if (pad) while (out.length % 8 !== 0) out += "=";
  return out;
}

/** RFC 4648 section 6: trailing '=' optional; ASCII letters of either case; anything else is a RangeError. */
function base32Decode(text: string): Uint8Array {
  base32Text(text);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const ch = text.charCodeAt(i);
    const value = BASE32.indexOf(String.fromCharCode(ch >= 97 && ch <= 122 ? ch - 32 : ch));
    if (value < 0) throw base32Error(i);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

function prepareKey(key: Uint8Array, algorithm: HashAlgorithm = "SHA-1"): PreparedKey {
  const alg = ALGORITHM_NAME[algorithmId(algorithm, "SHA-1")];
  return new NodePreparedKey(Uint8Array.from(otpKey(key)), alg);
}

export const nodeCrypto: CryptoPort = {
  sha1: (data) => new Uint8Array(createHash("sha1").update(bytes(data, "data")).digest()),
  sha256: (data) => new Uint8Array(createHash("sha256").update(bytes(data, "data")).digest()),
  sha512: (data) => new Uint8Array(createHash("sha512").update(bytes(data, "data")).digest()),
  hmac,
  hotp,
  totp,
  verifyTotp,
  verifyTotpBatch,
  prepareKey,
  timingSafeEqual,
  base32Encode,
  base32Decode,
  hashBackupCode: (key, code) => hmac("SHA-256", serverKey(key), codeBytes(code)),
  findBackupCode(key, code, hashes) {
    const wanted = hmac("SHA-256", serverKey(key), codeBytes(code));
    let found = -1;
    hashList(hashes).forEach((hash, i) => {
      if (timingSafeEqual(hash, wanted) && found < 0) found = i;
    });
    return found;
  },
};
