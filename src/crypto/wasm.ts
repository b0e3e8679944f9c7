/**
 * The crypto port over the WASM core (assembly/). Validation happens here; the core only sees integers.
 * Every call wipes the scratch it used (IO bytes, digests, job rows, temporary key states) before returning,
 * including when it throws, so no key material outlives the call in WASM memory.
 */
import { getCore, JOB_SIZE, SLOT_SIZE, type Core } from "./core.js";
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
  ALGORITHM_ID,
  BLOCK_SIZE,
  DIGEST_SIZE,
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

const ALGORITHMS: readonly HashAlgorithm[] = ["SHA-1", "SHA-256", "SHA-512"];
const NO_MATCH = 0xffffffff; // expected code for ineligible steps: real codes are < 2^31
const TWO_32 = 4294967296;
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------------------
// Hashing and HMAC (streamed through IO in chunks, so inputs of any size work without growing memory)

/** Feeds `data` through IO; returns the number of IO bytes that need wiping. */
function feed(c: Core, alg: number, data: Uint8Array): number {
  let used = 0;
  for (let off = 0; off < data.length; off += c.ioSize) {
    const n = Math.min(c.ioSize, data.length - off);
    c.u8.set(data.subarray(off, off + n), c.io);
    c.x.hashUpdate(alg, n);
    if (n > used) used = n;
  }
  return used;
}

function hash(alg: number, data: unknown): Uint8Array {
  const input = bytes(data, "data");
  const c = getCore();
  let used = 0;
  try {
    c.x.hashInit(alg);
    used = feed(c, alg, input);
    c.x.hashFinal(alg);
    return c.u8.slice(c.out, c.out + DIGEST_SIZE[alg]);
  } finally {
    c.x.wipe(used);
  }
}

/** Computes the HMAC inner/outer states of `key` into the slot at `slot` (RFC 2104: long keys hashed first). */
function prepareInto(c: Core, alg: number, key: Uint8Array, slot: number): void {
  if (key.length > BLOCK_SIZE[alg]) {
    c.x.hashInit(alg);
    const used = feed(c, alg, key);
    c.x.hashFinal(alg);
    c.x.hmacPrepare(alg, c.out, DIGEST_SIZE[alg], slot);
    c.x.wipe(used);
  } else {
    c.u8.set(key, c.io);
    c.x.hmacPrepare(alg, c.io, key.length, slot);
  }
}

/** HMAC into OUT (not copied out); the caller wipes OUT and the temp slot. */
function hmacToOut(c: Core, alg: number, key: Uint8Array, data: Uint8Array): number {
  prepareInto(c, alg, key, c.temp);
  c.x.hmacInit(alg, c.temp);
  const used = feed(c, alg, data);
  c.x.hmacFinal(alg, c.temp);
  return used;
}

function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const alg = algorithmId(algorithm, undefined);
  bytes(key, "key");
  bytes(data, "data");
  const c = getCore();
  let used = 0;
  try {
    used = hmacToOut(c, alg, key, data);
    return c.u8.slice(c.out, c.out + DIGEST_SIZE[alg]);
  } finally {
    c.x.wipe(used);
    c.u8.fill(0, c.temp, c.temp + SLOT_SIZE);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Prepared keys

/**
 * Slots: the core has a fixed number of long-lived key slots (1024). `prepareKey` takes a free one; when
 * none is free, the handle keeps the 128-byte state in JS instead and it is copied into a temporary slot
 * on each use (slower by one copy, same results). `dispose()` wipes the state and frees the slot; a handle
 * that is garbage-collected without `dispose()` has its slot wiped and freed by a FinalizationRegistry.
 */
let freeSlots: number[] | undefined;

function slotRegistry(): FinalizationRegistry<number> | undefined {
  return typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((index) => releaseSlot(index))
    : undefined;
}
const registry = slotRegistry();

function releaseSlot(index: number): void {
  const c = getCore();
  const ptr = c.slots + index * SLOT_SIZE;
  c.u8.fill(0, ptr, ptr + SLOT_SIZE);
  freeSlots!.push(index);
}

function takeSlot(c: Core): number {
  freeSlots ??= Array.from({ length: c.slotCount }, (_, i) => c.slotCount - 1 - i);
  return freeSlots.pop() ?? -1;
}

class WasmPreparedKey implements PreparedKey {
  /** Slot index in the core, or -1 when the state lives in `state`. */
  slot: number;
  state: Uint8Array | null;
  disposed = false;
  readonly algorithm: HashAlgorithm;
  readonly alg: number;

  constructor(algorithm: HashAlgorithm, slot: number, state: Uint8Array | null) {
    this.algorithm = algorithm;
    this.alg = ALGORITHM_ID[algorithm];
    this.slot = slot;
    this.state = state;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.slot >= 0) {
      registry?.unregister(this);
      releaseSlot(this.slot);
      this.slot = -1;
    }
    this.state?.fill(0);
    this.state = null;
  }
}

function prepareKey(key: Uint8Array, algorithm: HashAlgorithm = "SHA-1"): PreparedKey {
  const alg = algorithmId(algorithm, "SHA-1");
  otpKey(key);
  const c = getCore();
  const slot = takeSlot(c);
  try {
    if (slot >= 0) {
      prepareInto(c, alg, key, c.slots + slot * SLOT_SIZE);
      const handle = new WasmPreparedKey(ALGORITHMS[alg], slot, null);
      registry?.register(handle, slot, handle);
      return handle;
    }
    prepareInto(c, alg, key, c.temp);
    return new WasmPreparedKey(ALGORITHMS[alg], -1, c.u8.slice(c.temp, c.temp + SLOT_SIZE));
  } catch (error) {
    if (slot >= 0) releaseSlot(slot);
    throw error;
  } finally {
    c.u8.fill(0, c.temp, c.temp + SLOT_SIZE);
  }
}

function otpKey(key: unknown): Uint8Array {
  const k = bytes(key, "key");
  if (k.length === 0) throw new RangeError("expected a non-empty HMAC key, got 0 bytes");
  return k;
}

/** Checks a key argument and the algorithm it will be used with; returns the algorithm id. */
function keyAlgorithm(key: unknown, algorithm: unknown): number {
  if (key instanceof WasmPreparedKey) {
    if (key.disposed) throw new RangeError("expected a live prepared key, got one that was disposed");
    if (algorithm === undefined) return key.alg;
    const alg = algorithmId(algorithm, key.algorithm);
    if (alg !== key.alg) {
      throw new RangeError(`expected algorithm ${key.algorithm} (the prepared key's), got ${describeName(algorithm)}`);
    }
    return alg;
  }
  if (key instanceof Uint8Array) {
    otpKey(key);
    return algorithmId(algorithm, "SHA-1");
  }
  throw new TypeError(`expected key to be a Uint8Array or a key from prepareKey, got ${describe(key)}`);
}

/**
 * The pointer to the slot holding `key`'s HMAC states: its own slot, or temporary slot number `temp`
 * (filled here from a raw key or a JS-held state; the caller wipes it).
 */
function keySlot(c: Core, key: KeyInput, alg: number, temp: number): number {
  if (key instanceof WasmPreparedKey) {
    if (key.slot >= 0) return c.slots + key.slot * SLOT_SIZE;
    const ptr = c.temp + temp * SLOT_SIZE;
    c.u8.set(key.state!, ptr);
    return ptr;
  }
  const ptr = c.temp + temp * SLOT_SIZE;
  prepareInto(c, alg, key as Uint8Array, ptr);
  return ptr;
}

// ---------------------------------------------------------------------------------------------------------
// HOTP / TOTP

/** Writes job row `index` (see assembly/hotp.ts). */
function writeJob(c: Core, index: number, slot: number, step: number, digits: number, expected: number): void {
  const w = (c.jobs + index * JOB_SIZE) >>> 2;
  const u32 = c.u32;
  u32[w] = slot;
  u32[w + 1] = Math.floor(step / TWO_32);
  u32[w + 2] = step >>> 0;
  u32[w + 3] = digits;
  u32[w + 4] = expected;
}

// A plain loop for the few rows of one verification, TypedArray#fill for batch tables.
function clearJobs(c: Core, count: number): void {
  const u32 = c.u32;
  const start = c.jobs >>> 2;
  const end = start + count * (JOB_SIZE >>> 2);
  if (count > 8) u32.fill(0, start, end);
  else for (let w = start; w < end; w++) u32[w] = 0;
}

function clearTemps(c: Core, count: number): void {
  const u32 = c.u32;
  const start = c.temp >>> 2;
  const end = start + count * (SLOT_SIZE >>> 2);
  for (let w = start; w < end; w++) u32[w] = 0;
}

function hotpAt(key: KeyInput, step: number, alg: number, digits: number): string {
  const c = getCore();
  const usesTemp = !(key instanceof WasmPreparedKey && key.slot >= 0);
  try {
    writeJob(c, 0, keySlot(c, key, alg, 0), step, digits, NO_MATCH);
    c.x.hotpJobs(alg, 1, 1);
    return String(c.u32[((c.jobs + 20) >>> 2)]).padStart(digits, "0");
  } finally {
    clearJobs(c, 1); // hotpJobs clears its own blocks and MAC
    if (usesTemp) clearTemps(c, 1);
  }
}

function hotp(key: KeyInput, counter: number, options?: HotpOptions): string {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = integerIn(opts.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
  return hotpAt(key, checkCounter(counter), alg, digits);
}

function totp(key: KeyInput, options?: TotpOptions): string {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = integerIn(opts.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
  return hotpAt(key, timeStep(opts), alg, digits);
}

/**
 * RFC 6238 section 5.2 verification over the 2w+1 steps around the current one. Each candidate is a job
 * row (see assembly/hotp.ts); ineligible steps (negative, or <= afterStep, the replay guard) carry an
 * expected code that no real code equals (real codes are < 2^31), so every candidate is computed and
 * compared and the time does not depend on which one matched. Inlined rather than split into helpers:
 * this is the hot path of a 2FA server.
 */
function verifyTotp(key: KeyInput, code: string, options?: VerifyTotpOptions): VerifyTotpResult {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = integerIn(opts.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
  const window = integerIn(opts.window, "window", 1, 0, LIMITS.maxWindow);
  const current = timeStep(opts);
  const after = checkAfterStep(opts.afterStep);
  const value = parseCode(code, digits);
  if (value < 0) return { valid: false, step: -1, delta: 0 };
  const c = getCore();
  const u32 = c.u32;
  const n = 2 * window + 1;
  const rowWords = JOB_SIZE >>> 2;
  const base = c.jobs >>> 2;
  const usesTemp = !(key instanceof WasmPreparedKey && key.slot >= 0);
  try {
    const slot = keySlot(c, key, alg, 0);
    const expected = value > 0x7fffffff ? NO_MATCH : value;
    for (let j = 0; j < n; j++) {
      const step = current - window + j;
      const eligible = step >= 0 && step > after;
      const w = base + j * rowWords;
      u32[w] = slot;
      u32[w + 1] = eligible ? Math.floor(step / TWO_32) : 0;
      u32[w + 2] = eligible ? step >>> 0 : 0;
      u32[w + 3] = digits;
      u32[w + 4] = eligible ? expected : NO_MATCH;
    }
    c.x.hotpJobs(alg, n, 0);
    // Scan every candidate (no early exit), keep the first match.
    let matched = -1;
    for (let j = 0; j < n; j++) matched = u32[base + j * rowWords + 6] === 1 && matched < 0 ? j : matched;
    return matched < 0
      ? { valid: false, step: -1, delta: 0 }
      : { valid: true, step: current + matched - window, delta: matched - window };
  } finally {
    clearJobs(c, n);
    if (usesTemp) clearTemps(c, 1);
  }
}

/**
 * Many verifications with few WASM calls: requests are grouped by algorithm and packed into job tables
 * (up to the core's job and temporary-slot capacity per call), so SIMD lanes run across requests too.
 * Every request is validated before any work; a malformed code string yields {valid:false} like verifyTotp.
 * The validated fields go into flat typed arrays (no object per request), and each table is read back by
 * rescanning its range of requests, so the hot loops allocate nothing but the results.
 */
function verifyTotpBatch(requests: readonly TotpBatchRequest[]): VerifyTotpResult[] {
  if (!Array.isArray(requests)) throw new TypeError(`expected an array of requests, got ${describe(requests)}`);
  const count = requests.length;
  const keys: KeyInput[] = new Array(count);
  // Per request, 4 numbers: flags (algorithm | digits << 2 | window << 6 | needs-a-temp-slot << 10), the
  // current step, afterStep, and the code (-1 when malformed). One allocation: typed arrays cost ~150 ns each.
  const fields = new Float64Array(count * 4);
  let present = 0; // bit per algorithm seen
  for (let i = 0; i < count; i++) {
    const r = requests[i];
    if (r === null || typeof r !== "object") throw new TypeError(`expected request ${i} to be an object, got ${describe(r)}`);
    const key = r.key;
    const alg = keyAlgorithm(key, r.algorithm);
    const digits = integerIn(r.digits, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
    const window = integerIn(r.window, "window", 1, 0, LIMITS.maxWindow);
    const current = timeStep(r as Record<string, unknown>);
    const after = checkAfterStep(r.afterStep);
    const code = parseCode(r.code, digits);
    keys[i] = key;
    const temp = key instanceof WasmPreparedKey && key.slot >= 0 ? 0 : 1;
    fields[4 * i] = alg | (digits << 2) | (window << 6) | (temp << 10);
    fields[4 * i + 1] = current;
    fields[4 * i + 2] = after;
    fields[4 * i + 3] = code;
    present |= 1 << alg;
  }
  const results: VerifyTotpResult[] = new Array(count);
  const c = getCore();
  const u32 = c.u32;
  for (let alg = 0; alg < 3; alg++) {
    if ((present & (1 << alg)) === 0) continue;
    let rows = 0;
    let temps = 0;
    let start = 0; // first request of the table being filled
    try {
      for (let i = 0; i < count; i++) {
        const flags = fields[4 * i];
        if ((flags & 3) !== alg) continue;
        const code = fields[4 * i + 3];
        if (code < 0) {
          results[i] = { valid: false, step: -1, delta: 0 };
          continue;
        }
        const window = (flags >> 6) & 15;
        const n = 2 * window + 1;
        const needsTemp = flags >> 10 === 1;
        if (rows + n > c.maxJobs || (needsTemp && temps === c.tempSlots)) {
          runTable(c, alg, rows, temps, start, i, fields, results);
          rows = 0;
          temps = 0;
          start = i;
        }
        const slot = keySlot(c, keys[i], alg, needsTemp ? temps : 0);
        if (needsTemp) temps++;
        // The 2w+1 candidate jobs (see writeCandidates); ineligible steps never match.
        const current = fields[4 * i + 1];
        const after = fields[4 * i + 2];
        const digits = (flags >> 2) & 15;
        const expected = code > 0x7fffffff ? NO_MATCH : code;
        for (let delta = -window; delta <= window; delta++) {
          const step = current + delta;
          const eligible = step >= 0 && step > after;
          const w = (c.jobs + rows * JOB_SIZE) >>> 2;
          u32[w] = slot;
          u32[w + 1] = eligible ? Math.floor(step / TWO_32) : 0;
          u32[w + 2] = eligible ? step >>> 0 : 0;
          u32[w + 3] = digits;
          u32[w + 4] = eligible ? expected : NO_MATCH;
          rows++;
        }
      }
      runTable(c, alg, rows, temps, start, count, fields, results);
      rows = 0;
      temps = 0;
    } finally {
      // rows > 0 here only when keySlot threw mid-table: wipe whatever was written.
      if (rows > 0 || temps > 0) {
        clearJobs(c, c.maxJobs);
        clearTemps(c, c.tempSlots);
      }
    }
  }
  return results;
}

/**
 * Runs one job table (`rows` jobs from the requests of algorithm `alg` in [start, end) with a well-formed
 * code), writes their results, and wipes the table and the temporary slots it used.
 */
function runTable(
  c: Core,
  alg: number,
  rows: number,
  temps: number,
  start: number,
  end: number,
  fields: Float64Array,
  results: VerifyTotpResult[],
): void {
  if (rows === 0) return;
  try {
    c.x.hotpJobs(alg, rows, 0);
    const u32 = c.u32;
    let hit = ((c.jobs + 24) >>> 2); // the match flag of row 0
    for (let i = start; i < end; i++) {
      const flags = fields[4 * i];
      if ((flags & 3) !== alg || fields[4 * i + 3] < 0) continue;
      const window = (flags >> 6) & 15;
      const n = 2 * window + 1;
      // Scan every candidate (no early exit), keep the first match.
      let matched = -1;
      for (let j = 0; j < n; j++) {
        matched = u32[hit] === 1 && matched < 0 ? j : matched;
        hit += JOB_SIZE >>> 2;
      }
      results[i] =
        matched < 0
          ? { valid: false, step: -1, delta: 0 }
          : { valid: true, step: fields[4 * i + 1] + matched - window, delta: matched - window };
    }
  } finally {
    clearJobs(c, rows);
    clearTemps(c, temps);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparison, base32, backup codes

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  bytes(a, "a");
  bytes(b, "b");
  if (a.length !== b.length) return false;
  const c = getCore();
  const half = c.ioSize >>> 1;
  const u8 = c.u8;
  const io = c.io;
  let diff = 0;
  let used = 0;
  try {
    // Each chunk of `a` at IO with the same chunk of `b` right after it; only those 2n bytes need wiping
    // (ctDiff writes nothing else), so a 32-byte compare clears 64 bytes, not the whole IO buffer.
    for (let off = 0; off < a.length; off += half) {
      const n = Math.min(half, a.length - off);
      u8.set(n === a.length ? a : a.subarray(off, off + n), io);
      u8.set(n === b.length ? b : b.subarray(off, off + n), io + n);
      diff |= c.x.ctDiff(io, io + n, n);
      if (2 * n > used) used = 2 * n;
    }
  } finally {
    u8.fill(0, io, io + used);
  }
  return diff === 0;
}

const ENCODE_CHUNK = 20480; // bytes: a multiple of 5 whose 8/5 expansion (32768 chars) fills IO's upper half
const DECODE_CHUNK = 32768; // characters: a multiple of 8
const decoder = new TextDecoder();

function base32Encode(data: Uint8Array, options?: { padding?: boolean }): string {
  bytes(data, "data");
  const opts = checkOptions(options);
  if (opts.padding !== undefined && typeof opts.padding !== "boolean") {
    throw new TypeError(`expected padding to be a boolean, got ${describe(opts.padding)}`);
  }
  const pad = opts.padding ?? true;
  const c = getCore();
  const u8 = c.u8;
  const io = c.io;
  let out = "";
  let inBytes = 0;
  let outChars = 0;
  try {
    // Input at IO, output at IO + 32768; b32Encode writes nothing else, so only those two ranges need wiping.
    for (let off = 0; off === 0 || off < data.length; off += ENCODE_CHUNK) {
      const n = Math.min(ENCODE_CHUNK, data.length - off);
      u8.set(data.subarray(off, off + n), io);
      inBytes = Math.max(inBytes, n);
      const chars = c.x.b32Encode(n, pad && off + n === data.length ? 1 : 0);
      outChars = Math.max(outChars, chars);
      out += decoder.decode(u8.subarray(io + 32768, io + 32768 + chars));
    }
  } finally {
    u8.fill(0, io, io + inBytes);
    u8.fill(0, io + 32768, io + 32768 + outChars);
  }
  return out;
}

/**
 * RFC 4648 section 6, case-insensitive. Trailing '=' padding is accepted (any amount) and not required;
 * '=' elsewhere, whitespace or any other character throws a RangeError naming it and its index.
 * Leftover bits that do not fill a byte are ignored, as in the reference port.
 */
function base32Decode(text: string): Uint8Array {
  if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  const out = new Uint8Array(Math.floor((end * 5) / 8));
  const c = getCore();
  let written = 0;
  try {
    for (let off = 0; off < end; off += DECODE_CHUNK) {
      const n = Math.min(DECODE_CHUNK, end - off);
      for (let i = 0; i < n; i++) {
        const ch = text.charCodeAt(off + i);
        c.u8[c.io + i] = ch < 128 ? ch : 0;
      }
      const r = c.x.b32Decode(n);
      if (r < 0) {
        const at = off - r - 1;
        throw new RangeError(`expected base32 characters A-Z and 2-7, got ${JSON.stringify(text[at])} at index ${at}`);
      }
      out.set(c.u8.subarray(c.io, c.io + r), written);
      written += r;
      c.x.wipe(n);
    }
  } finally {
    c.x.wipe(Math.min(end, DECODE_CHUNK));
  }
  return out;
}

function codeBytes(code: unknown): Uint8Array {
  if (typeof code === "string") return encoder.encode(code);
  if (code instanceof Uint8Array) return code;
  throw new TypeError(`expected code to be a string or Uint8Array, got ${describe(code)}`);
}

function serverKey(key: unknown): Uint8Array {
  const k = bytes(key, "key");
  if (k.length === 0) throw new RangeError("expected a non-empty server key, got 0 bytes");
  return k;
}

function hashBackupCode(key: Uint8Array, code: string | Uint8Array): Uint8Array {
  return hmac("SHA-256", serverKey(key), codeBytes(code));
}

function findBackupCode(key: Uint8Array, code: string | Uint8Array, hashes: readonly Uint8Array[]): number {
  serverKey(key);
  const data = codeBytes(code);
  if (!Array.isArray(hashes)) throw new TypeError(`expected hashes to be an array of Uint8Array, got ${describe(hashes)}`);
  hashes.forEach((h, i) => bytes(h, `hashes[${i}]`));
  const c = getCore();
  const perChunk = Math.floor(c.ioSize / 33); // 32 bytes per hash plus one validity byte
  let found = -1;
  let used = 0;
  try {
    // The MAC stays in OUT for findHash; only the IO bytes and the key state are wiped here.
    used = hmacToOut(c, ALGORITHM_ID["SHA-256"], key, data);
    c.u8.fill(0, c.io, c.io + used);
    c.u8.fill(0, c.temp, c.temp + SLOT_SIZE);
    for (let base = 0; base < hashes.length; base += perChunk) {
      const n = Math.min(perChunk, hashes.length - base);
      for (let i = 0; i < n; i++) {
        const h = hashes[base + i];
        const ok = h.length === 32;
        if (ok) c.u8.set(h, c.io + i * 32);
        else c.u8.fill(0, c.io + i * 32, c.io + i * 32 + 32);
        c.u8[c.io + n * 32 + i] = ok ? 1 : 0;
      }
      const index = c.x.findHash(n);
      found = found < 0 && index >= 0 ? base + index : found;
      used = Math.max(used, n * 33);
      c.u8.fill(0, c.io, c.io + n * 33);
    }
  } finally {
    c.x.wipe(used);
    c.u8.fill(0, c.temp, c.temp + SLOT_SIZE);
  }
  return found;
}

export const wasmCrypto: CryptoPort = {
  sha1: (data) => hash(0, data),
  sha256: (data) => hash(1, data),
  sha512: (data) => hash(2, data),
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
