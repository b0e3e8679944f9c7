// HMAC, RFC 2104 / FIPS 198-1. A key's inner and outer states (the compression of key^ipad and key^opad)
// are computed once per key and kept in a slot, so each later MAC costs two compressions less.
import { BLK, W, CTX_H, CTX_BUF, OUT, XS, XW, SHA1, SHA512, blockSize, digestSize, writeDigest } from "./layout";
import { sha1x4Compress } from "./sha1-unrolled.generated";
import { sha256x4Compress } from "./sha256x4";
import { sha512x2Compress } from "./sha512x2";
import { hashInitState, compress, streamReset, streamFinish, finishBlocks, wipeSchedule } from "./hash";

/**
 * Writes the inner state (slot+0) and outer state (slot+64) for the key at `key` (`keyLen` <= block size:
 * the caller hashes longer keys first, RFC 2104 section 2), then wipes the key bytes.
 */
export function hmacPrepare(alg: i32, key: usize, keyLen: i32, slot: usize): void {
  if (ASC_FEATURE_SIMD) {
    prepareLanes(alg, key, keyLen, slot);
    return;
  }
  const bs = <usize>blockSize(alg);
  memory.fill(BLK, 0x36, bs);
  for (let i: usize = 0; i < <usize>keyLen; i++) store<u8>(BLK + i, load<u8>(key + i) ^ 0x36);
  hashInitState(alg, slot);
  compress(alg, slot, BLK);
  memory.fill(BLK, 0x5c, bs);
  for (let i: usize = 0; i < <usize>keyLen; i++) store<u8>(BLK + i, load<u8>(key + i) ^ 0x5c);
  hashInitState(alg, slot + 64);
  compress(alg, slot + 64, BLK);
  memory.fill(BLK, 0, bs);
  wipeSchedule(alg);
  memory.fill(key, 0, <usize>keyLen);
}

/** Starts a MAC with a prepared slot: the stream continues after the one-block key^ipad prefix. */
export function hmacInit(alg: i32, slot: usize): void {
  memory.copy(CTX_H, slot, 64);
  streamReset(<u64>blockSize(alg));
}

/** Finishes the inner hash, then the outer hash over its digest; the MAC lands in OUT. */
export function hmacFinal(alg: i32, slot: usize): void {
  const bs = blockSize(alg);
  const ds = digestSize(alg);
  streamFinish(alg);
  writeDigest(alg, CTX_H, CTX_BUF);
  memory.copy(CTX_H, slot + 64, 64);
  finishBlocks(alg, CTX_H, CTX_BUF, ds, <u64>(bs + ds));
  writeDigest(alg, CTX_H, OUT);
  wipeSchedule(alg);
}

/**
 * SIMD variant: the key^ipad and key^opad blocks are two independent compressions from the IV, so they run
 * in lanes 0 and 1 of one lane-parallel compression (about half the time of two scalar ones).
 */
function prepareLanes(alg: i32, key: usize, keyLen: i32, slot: usize): void {
  const wide = alg == SHA512;
  const words: usize = alg == SHA1 ? 5 : 8;
  const bs = <usize>blockSize(alg);
  memory.fill(BLK, 0x36, bs);
  for (let i: usize = 0; i < <usize>keyLen; i++) store<u8>(BLK + i, load<u8>(key + i) ^ 0x36);
  hashInitState(alg, CTX_H);
  for (let i: usize = 0; i < 256; i += 16) v128.store(XW + i, i64x2.splat(0));
  // Word k of lane j at XW/XS + 16k + j * laneBytes; opad word = ipad word ^ (0x36 ^ 0x5c repeated).
  if (wide) {
    for (let k: usize = 0; k < 16; k++) {
      const w = bswap<u64>(load<u64>(BLK + k * 8));
      store<u64>(XW + k * 16, w);
      store<u64>(XW + k * 16 + 8, w ^ 0x6a6a6a6a6a6a6a6a);
    }
    for (let k: usize = 0; k < 8; k++) {
      const h = load<u64>(CTX_H + k * 8);
      store<u64>(XS + k * 16, h);
      store<u64>(XS + k * 16 + 8, h);
    }
    sha512x2Compress();
    for (let k: usize = 0; k < 8; k++) {
      store<u64>(slot + k * 8, load<u64>(XS + k * 16));
      store<u64>(slot + 64 + k * 8, load<u64>(XS + k * 16 + 8));
    }
  } else {
    for (let k: usize = 0; k < 16; k++) {
      const w = bswap<u32>(load<u32>(BLK + k * 4));
      store<u32>(XW + k * 16, w);
      store<u32>(XW + k * 16 + 4, w ^ 0x6a6a6a6a);
    }
    for (let k: usize = 0; k < words; k++) {
      const h = load<u32>(CTX_H + k * 4);
      store<u32>(XS + k * 16, h);
      store<u32>(XS + k * 16 + 4, h);
    }
    if (alg == SHA1) sha1x4Compress();
    else sha256x4Compress();
    for (let k: usize = 0; k < words; k++) {
      store<u32>(slot + k * 4, load<u32>(XS + k * 16));
      store<u32>(slot + 64 + k * 4, load<u32>(XS + k * 16 + 4));
    }
  }
  // The schedule rows used: SHA-1 reads the 16 block words, SHA-256/512 extend them to 64/80 in place.
  const scheduleBytes: usize = alg == SHA1 ? 256 : wide ? 1280 : 1024;
  for (let i: usize = 0; i < scheduleBytes; i += 16) v128.store(XW + i, i64x2.splat(0));
  for (let i: usize = 0; i < 128; i += 16) v128.store(XS + i, i64x2.splat(0));
  memory.fill(BLK, 0, bs);
  memory.fill(CTX_H, 0, 64);
  memory.fill(key, 0, <usize>keyLen);
}
