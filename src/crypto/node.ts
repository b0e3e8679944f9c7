/**
 * The reference implementation of the crypto port over `node:crypto`.
 * Used by the tests as an independent oracle for the WASM core, and selectable with
 * `init({ advanced: { crypto: nodeCrypto } })` on hosts that forbid WebAssembly.
 * Plain and obvious on purpose: no caching tricks, so it is easy to trust. It validates its input with the
 * same checks (src/crypto/validate.ts) as the WASM port, so both throw the same errors for the same misuse.
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
  LIMITS,
  afterStep as checkAfterStep,
  algorithmId,
  bytes,
  counter as checkCounter,
  describe,
  describeName,
  integerIn,
  options as checkOptions,
  parseCode,
  timeStep,
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

const ALGORITHMS: readonly HashAlgorithm[] = ["SHA-1", "SHA-256", "SHA-512"];

/** The key bytes and the algorithm to use with them (a prepared key fixes its algorithm). */
function keyBytes(key: KeyInput, algorithm: unknown): { bytes: Uint8Array; algorithm: HashAlgorithm } {
  if (key instanceof NodePreparedKey) {
    if (key.disposed) throw new RangeError("expected a live prepared key, got one that was disposed");
    const alg = ALGORITHMS[algorithmId(algorithm, key.algorithm)];
    if (alg !== key.algorithm) {
      throw new RangeError(`expected algorithm ${key.algorithm} (the prepared key's), got ${describeName(algorithm)}`);
    }
    return { bytes: key.key, algorithm: alg };
  }
  if (key instanceof Uint8Array) {
    if (key.length === 0) throw new RangeError("expected a non-empty HMAC key, got 0 bytes");
    return { bytes: key, algorithm: ALGORITHMS[algorithmId(algorithm, "SHA-1")] };
  }
  throw new TypeError(`expected key to be a Uint8Array or a key from nodeCrypto.prepareKey, got ${describe(key)}`);
}

function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const name = NODE_NAME[ALGORITHMS[algorithmId(algorithm, undefined)]];
  return new Uint8Array(createHmac(name, bytes(key, "key")).update(bytes(data, "data")).digest());
}

/** RFC 4226 section 5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, mod 10^digits. */
function hotp(key: KeyInput, counter: number, options?: HotpOptions): string {
  const opts = checkOptions(options);
  const { bytes: keyData, algorithm } = keyBytes(key, opts.algorithm);
  const digits = integerIn(opts.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
  checkCounter(counter);
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(algorithm, keyData, msg);
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return (BigInt(binary) % 10n ** BigInt(digits)).toString().padStart(digits, "0");
}

/** RFC 6238 section 4: T = floor(time / 1000 / period) (validated in src/crypto/validate.ts). */
function totp(key: KeyInput, options?: TotpOptions): string {
  return hotp(key, timeStep(checkOptions(options)), options);
}

/** Validates a verification like the WASM port does (all checks before any work); returns the window and T. */
function checkVerify(key: KeyInput, code: string, options: VerifyTotpOptions | undefined) {
  const opts = checkOptions(options);
  keyBytes(key, opts.algorithm);
  const digits = integerIn(opts.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
  const window = integerIn(opts.window, "window", 1, 0, LIMITS.maxWindow);
  const current = timeStep(opts);
  checkAfterStep(opts.afterStep);
  // TypeError for a non-string; any other string that is not `digits` decimal digits is simply invalid.
  return { window, current, wellFormed: parseCode(code, digits) >= 0 };
}

function verifyTotp(key: KeyInput, code: string, options: VerifyTotpOptions = {}): VerifyTotpResult {
  const { window, current, wellFormed } = checkVerify(key, code, options);
  if (!wellFormed) return { valid: false, step: -1, delta: 0 };
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
  bytes(a, "a");
  bytes(b, "b");
  if (a.length !== b.length) return false;
  return nodeTimingSafeEqual(a, b);
}

function base32Encode(data: Uint8Array, options: { padding?: boolean } = {}): string {
  bytes(data, "data");
  const opts = checkOptions(options);
  if (opts.padding !== undefined && typeof opts.padding !== "boolean") {
    throw new TypeError(`expected padding to be a boolean, got ${describe(opts.padding)}`);
  }
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
  if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
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
  if (typeof code === "string") return encoder.encode(code);
  if (code instanceof Uint8Array) return code;
  throw new TypeError(`expected code to be a string or Uint8Array, got ${describe(code)}`);
}

function serverKey(key: Uint8Array): Uint8Array {
  if (bytes(key, "key").length === 0) throw new RangeError("expected a non-empty server key, got 0 bytes");
  return key;
}

function verifyTotpBatch(requests: readonly TotpBatchRequest[]): VerifyTotpResult[] {
  if (!Array.isArray(requests)) throw new TypeError(`expected an array of requests, got ${describe(requests)}`);
  requests.forEach((r, i) => {
    if (r === null || typeof r !== "object") throw new TypeError(`expected request ${i} to be an object, got ${describe(r)}`);
  });
  requests.forEach((r) => checkVerify(r.key, r.code, r)); // every request is checked before any is answered
  return requests.map((r) => verifyTotp(r.key, r.code, r));
}

function prepareKey(key: Uint8Array, algorithm: HashAlgorithm = "SHA-1"): PreparedKey {
  const alg = ALGORITHMS[algorithmId(algorithm, "SHA-1")];
  if (bytes(key, "key").length === 0) throw new RangeError("expected a non-empty HMAC key, got 0 bytes");
  return new NodePreparedKey(Uint8Array.from(key), alg);
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
  hashBackupCode: (key, code) => hmac("SHA-256", serverKey(key), toBytes(code)),
  findBackupCode(key, code, hashes) {
    const wanted = hmac("SHA-256", serverKey(key), toBytes(code));
    if (!Array.isArray(hashes)) throw new TypeError(`expected hashes to be an array of Uint8Array, got ${describe(hashes)}`);
    hashes.forEach((h, i) => bytes(h, `hashes[${i}]`));
    let found = -1;
    hashes.forEach((hash, i) => {
      if (timingSafeEqual(hash, wanted) && found < 0) found = i;
    });
    return found;
  },
};
