// HOTP (RFC 4226 section 5.3) over a table of jobs; TOTP (RFC 6238) is HOTP with counter T = floor(t / X),
// computed by the caller. Each job names a prepared HMAC slot and a counter; the kernel computes every job
// (no early exit) and writes the code and/or a match flag. The row layout is JOB_* in assembly/layout.ts.
import { SHA1, SHA256, SHA512, BLK, CTX_H, LD, XS, XW, JOBS, MAX_JOBS, blockSize, digestSize, writeDigest } from "./layout";
import { JOB_SIZE, JOB_SLOT, JOB_COUNTER_HI, JOB_COUNTER_LO, JOB_DIGITS, JOB_EXPECTED, JOB_CODE, JOB_MATCH } from "./layout";
import { compress, wipeSchedule } from "./hash";
import { sha1Hotp, sha1x4Compress } from "./sha1-unrolled.generated";
import { sha256x4Compress } from "./sha256x4";
import { sha512x2Compress } from "./sha512x2";

const POW10: usize = memory.data<u64>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000]);

/**
 * RFC 4226 5.3 dynamic truncation of the big-endian MAC at `mac`: the low nibble of the last byte picks
 * an offset, and the 31 bits there (top bit masked so signed/unsigned readers agree) are the value.
 */
// @ts-ignore: decorator
@inline function truncateBytes(mac: usize, macLen: i32): u32 {
  const offset = <usize>(load<u8>(mac + <usize>macLen - 1) & 0x0f);
  const p = mac + offset;
  return ((<u32>load<u8>(p) & 0x7f) << 24) | (<u32>load<u8>(p, 1) << 16) | (<u32>load<u8>(p, 2) << 8) | <u32>load<u8>(p, 3);
}

/**
 * The same truncation read straight from lane `lane` of 32-bit state words (word k at base + k * stride):
 * MAC byte 4i + s is byte s (big-endian) of word i, so the 4 bytes at offset o are the 64-bit pair
 * (word i, word i+1) shifted right by 32 - 8s. No branch on the secret offset.
 */
// @ts-ignore: decorator
@inline function truncateWords(base: usize, stride: usize, lane: usize, words: usize): u32 {
  const offset = load<u32>(base + (words - 1) * stride + lane) & 0x0f;
  const at = base + <usize>(offset >> 2) * stride + lane;
  const pair = (<u64>load<u32>(at) << 32) | <u64>load<u32>(at + stride);
  return <u32>(pair >> (32 - ((<u64>offset & 3) << 3))) & 0x7fffffff;
}

/** The value mod 10^digits. It is below 2^31, so for 10 digits this is the identity; the caller zero-pads. */
// @ts-ignore: decorator
@inline function reduce(bin: u32, digits: u32): u32 {
  return <u32>(<u64>bin % load<u64>(POW10 + (<usize>digits << 3)));
}

/** Writes the outcome for one job: the code when `emit`, and a constant-time equality flag. */
// @ts-ignore: decorator
@inline function finishJob(job: usize, code: u32, emit: i32): void {
  const x = code ^ load<u32>(job, JOB_EXPECTED);
  store<u32>(job, ((x | (0 - x)) >>> 31) ^ 1, JOB_MATCH);
  store<u32>(job, emit ? code : 0, JOB_CODE);
}

function hotpScalar(alg: i32, job: usize, emit: i32): void {
  const slot = <usize>load<u32>(job, JOB_SLOT);
  if (!ASC_FEATURE_SIMD && alg == SHA1) {
    // Inner and outer compression unrolled, with the HOTP blocks' constant words folded (sha1-unrolled.generated.ts).
    sha1Hotp(slot, load<u32>(job, JOB_COUNTER_HI), load<u32>(job, JOB_COUNTER_LO), LD);
    finishJob(job, reduce(truncateWords(LD, 4, 0, 5), load<u32>(job, JOB_DIGITS)), emit);
    return;
  }
  const bs = blockSize(alg);
  const ds = digestSize(alg);
  // Inner hash: state after key^ipad, then the 8-byte big-endian counter as the whole message.
  memory.copy(CTX_H, slot, 64);
  memory.fill(BLK, 0, <usize>bs);
  store<u32>(BLK, bswap<u32>(load<u32>(job, JOB_COUNTER_HI)));
  store<u32>(BLK, bswap<u32>(load<u32>(job, JOB_COUNTER_LO)), 4);
  store<u8>(BLK, 0x80, 8);
  store<u32>(BLK + <usize>bs - 4, bswap<u32>(<u32>(bs + 8) << 3));
  compress(alg, CTX_H, BLK);
  // Outer hash: state after key^opad, then the inner digest.
  memory.fill(BLK, 0, <usize>bs);
  writeDigest(alg, CTX_H, BLK);
  store<u8>(BLK + <usize>ds, 0x80);
  store<u32>(BLK + <usize>bs - 4, bswap<u32>(<u32>(bs + ds) << 3));
  memory.copy(CTX_H, slot + 64, 64);
  compress(alg, CTX_H, BLK);
  writeDigest(alg, CTX_H, LD);
  finishJob(job, reduce(truncateBytes(LD, ds), load<u32>(job, JOB_DIGITS)), emit);
}

// @ts-ignore: decorator
@inline function zero(ptr: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(ptr + i, i64x2.splat(0));
}

/**
 * Gathers the 32-bit state words at p0..p3 (word k at p + 4k) into 4 lanes at dst (word k at dst + k *
 * stride): a 4x4 transpose per 4 words, in shuffles instead of 16 scalar moves.
 */
// @ts-ignore: decorator
@inline function transpose4(dst: usize, stride: usize, p0: usize, p1: usize, p2: usize, p3: usize): void {
  const r0 = v128.load(p0), r1 = v128.load(p1), r2 = v128.load(p2), r3 = v128.load(p3);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/**
 * The 5 (SHA-1) or 8 (SHA-256) state words of the slots of the first 4 jobs at `first` (plus `half`: 0 inner,
 * 64 outer) into the 4 lanes at dst; missing jobs repeat the last one.
 */
function gatherWords(first: usize, count: i32, dst: usize, stride: usize, words: usize, half: usize): void {
  const last = count - 1;
  const p0 = <usize>load<u32>(first, JOB_SLOT) + half;
  const p1 = <usize>load<u32>(first + <usize>(min(1, last) * JOB_SIZE), JOB_SLOT) + half;
  const p2 = <usize>load<u32>(first + <usize>(min(2, last) * JOB_SIZE), JOB_SLOT) + half;
  const p3 = <usize>load<u32>(first + <usize>(min(3, last) * JOB_SIZE), JOB_SLOT) + half;
  transpose4(dst, stride, p0, p1, p2, p3);
  if (words == 8) {
    transpose4(dst + 4 * stride, stride, p0 + 16, p1 + 16, p2 + 16, p3 + 16);
  } else {
    const w4 = dst + 4 * stride;
    store<u32>(w4, load<u32>(p0, 16));
    store<u32>(w4, load<u32>(p1, 16), 4);
    store<u32>(w4, load<u32>(p2, 16), 8);
    store<u32>(w4, load<u32>(p3, 16), 12);
  }
}

/**
 * Lane-parallel HOTP for up to `lanes` jobs starting at `first`: 4 for SHA-1 and SHA-256 (i32x4), 2 for
 * SHA-512 (i64x2). Word k of lane j lives at base + k * 16 + j * laneBytes in XS (state) and XW (schedule):
 * one 16-byte row per word. Missing lanes repeat the last job; their results are unused.
 * Writes each job's outcome (SHA-512 goes through a big-endian copy of the MAC at LD).
 */
function hotpLanes(alg: i32, first: usize, count: i32, lanes: i32, emit: i32): void {
  const wide = alg == SHA512;
  const laneBytes: usize = wide ? 8 : 4;
  const stride: usize = 16; // lanes * laneBytes
  const words: usize = alg == SHA1 ? 5 : 8; // state and digest words
  const bs = blockSize(alg);
  const ds = digestSize(alg);
  // Inner block: 8-byte counter, 0x80 pad, zeros, bit length (block + 8 bytes).
  zero(XW, 16 * stride);
  for (let j = 0; j < lanes; j++) {
    const job = first + <usize>(min(j, count - 1) * JOB_SIZE);
    const slot = <usize>load<u32>(job, JOB_SLOT);
    const lane = <usize>j * laneBytes;
    if (wide) {
      for (let k: usize = 0; k < 8; k++) store<u64>(XS + k * stride + lane, load<u64>(slot + k * 8));
      store<u64>(XW + lane, (<u64>load<u32>(job, JOB_COUNTER_HI) << 32) | <u64>load<u32>(job, JOB_COUNTER_LO));
      store<u64>(XW + stride + lane, 0x8000000000000000);
      store<u64>(XW + 15 * stride + lane, <u64>((bs + 8) << 3));
    } else {
      store<u32>(XW + lane, load<u32>(job, JOB_COUNTER_HI));
      store<u32>(XW + stride + lane, load<u32>(job, JOB_COUNTER_LO));
      store<u32>(XW + 2 * stride + lane, 0x80000000);
      store<u32>(XW + 15 * stride + lane, <u32>((bs + 8) << 3));
    }
  }
  if (!wide) gatherWords(first, count, XS, stride, words, 0);
  compressLanes(alg);
  // Outer block: the inner digest words, 0x80 pad, zeros, bit length (block + digest bytes).
  zero(XW, 16 * stride);
  for (let i: usize = 0; i < words * stride; i += 16) v128.store(XW + i, v128.load(XS + i));
  if (wide) {
    for (let j = 0; j < lanes; j++) {
      const slot = <usize>load<u32>(first + <usize>(min(j, count - 1) * JOB_SIZE), JOB_SLOT) + 64;
      const lane = <usize>j * laneBytes;
      for (let k: usize = 0; k < 8; k++) store<u64>(XS + k * stride + lane, load<u64>(slot + k * 8));
    }
    v128.store(XW + 8 * stride, i64x2.splat(<i64>0x8000000000000000));
    v128.store(XW + 15 * stride, i64x2.splat(<i64>((bs + ds) << 3)));
  } else {
    gatherWords(first, count, XS, stride, words, 64);
    v128.store(XW + words * stride, i32x4.splat(<i32>0x80000000));
    v128.store(XW + 15 * stride, i32x4.splat(<i32>((bs + ds) << 3)));
  }
  compressLanes(alg);
  for (let j = 0; j < count; j++) {
    const job = first + <usize>(j * JOB_SIZE);
    const lane = <usize>j * laneBytes;
    let bin: u32;
    if (wide) {
      for (let k: usize = 0; k < 8; k++) store<u64>(LD + k * 8, bswap<u64>(load<u64>(XS + k * stride + lane)));
      bin = truncateBytes(LD, 64);
    } else {
      bin = truncateWords(XS, stride, lane, words);
    }
    finishJob(job, reduce(bin, load<u32>(job, JOB_DIGITS)), emit);
  }
}

/**
 * The common single-verification case: up to 4 candidates of one key (SHA-1 or SHA-256; in the SIMD build
 * also a single SHA-1 generation). The key's states are splatted into all lanes instead of gathered, and
 * the codes are truncated straight from the state lanes (the MAC's byte 4i + s is byte s of word i,
 * big-endian), with no per-lane copy of the MAC. Measured with the earlier looped SHA-1 kernel: about
 * 60 ns less per +/-1 verification than the general lane path.
 */
function hotpOneKey(alg: i32, first: usize, count: i32, emit: i32): void {
  const words: usize = alg == SHA1 ? 5 : 8;
  const slot = <usize>load<u32>(first, JOB_SLOT);
  const zeroV = i64x2.splat(0);
  for (let k: usize = 0; k < words; k++) v128.store(XS + k * 16, i32x4.splat(load<u32>(slot + k * 4)));
  for (let j = 0; j < 4; j++) {
    const job = first + <usize>(min(j, count - 1) * JOB_SIZE);
    store<u32>(XW + <usize>(j * 4), load<u32>(job, JOB_COUNTER_HI));
    store<u32>(XW + 16 + <usize>(j * 4), load<u32>(job, JOB_COUNTER_LO));
  }
  v128.store(XW + 32, i32x4.splat(<i32>0x80000000));
  for (let i: usize = 48; i < 240; i += 16) v128.store(XW + i, zeroV);
  v128.store(XW + 240, i32x4.splat((64 + 8) << 3));
  if (alg == SHA1) sha1x4Compress();
  else sha256x4Compress();
  for (let k: usize = 0; k < words; k++) {
    v128.store(XW + k * 16, v128.load(XS + k * 16));
    v128.store(XS + k * 16, i32x4.splat(load<u32>(slot + 64 + k * 4)));
  }
  v128.store(XW + words * 16, i32x4.splat(<i32>0x80000000));
  for (let i: usize = words * 16 + 16; i < 240; i += 16) v128.store(XW + i, zeroV);
  v128.store(XW + 240, i32x4.splat(<i32>((64 + digestSize(alg)) << 3)));
  if (alg == SHA1) sha1x4Compress();
  else sha256x4Compress();
  for (let j = 0; j < count; j++) {
    const job = first + <usize>(j * JOB_SIZE);
    finishJob(job, reduce(truncateWords(XS, 16, <usize>(j * 4), words), load<u32>(job, JOB_DIGITS)), emit);
  }
}

// @ts-ignore: decorator
@inline function compressLanes(alg: i32): void {
  if (alg == SHA1) sha1x4Compress();
  else if (alg == SHA256) sha256x4Compress();
  else sha512x2Compress();
}

function sameSlot(n: i32): bool {
  const slot = load<u32>(JOBS, JOB_SLOT);
  let same = true;
  for (let i = 1; i < n; i++) same = same && load<u32>(JOBS + <usize>(i * JOB_SIZE), JOB_SLOT) == slot;
  return same;
}

/** Runs `n` jobs at JOBS. `emit` = 1 also writes each code (for hotp/totp generation). */
export function hotpJobs(alg: i32, n: i32, emit: i32): void {
  n = min(max(n, 0), MAX_JOBS);
  // SIMD: SHA-1 always runs in lanes (one unrolled kernel per build, see sha1.ts), the others from 2 jobs.
  if (ASC_FEATURE_SIMD && (n > 1 || alg == SHA1)) {
    if (n >= 1 && n <= 4 && alg != SHA512 && sameSlot(n)) {
      hotpOneKey(alg, JOBS, n, emit);
    } else {
      for (let i = 0; i < n; ) {
        const lanes = alg == SHA512 ? 2 : 4;
        const first = JOBS + <usize>(i * JOB_SIZE);
        const count = min(lanes, n - i);
        hotpLanes(alg, first, count, lanes, emit);
        i += count;
      }
    }
    // Wipe only what was used: the schedule (SHA-1 reads 16 words, the others extend to 64/80 in place),
    // 8 state words, and the SHA-512 MAC. Every lane path uses 16-byte word rows.
    zero(XW, (alg == SHA1 ? 16 : 80) * 16);
    zero(XS, 8 * 16);
    if (alg == SHA512) zero(LD, 64);
  } else {
    for (let i = 0; i < n; i++) hotpScalar(alg, JOBS + <usize>(i * JOB_SIZE), emit);
    if (alg == SHA1) {
      memory.fill(LD, 0, 20); // the SHA-1 kernel keeps blocks and state in locals; only the MAC is in memory
    } else {
      wipeSchedule(alg);
      memory.fill(BLK, 0, 128);
      memory.fill(CTX_H, 0, 64);
      memory.fill(LD, 0, 64);
    }
  }
}
