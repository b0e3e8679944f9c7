// Dispatch over the three hashes, FIPS 180-4 padding (5.1), and a streaming context so inputs of any size
// can be fed through the fixed IO buffer in chunks.
import { SHA1, SHA256, SHA512, CTX_H, CTX_BUF, IO, IO_SIZE, W, XS, XW, blockSize } from "./layout";
import { sha1Init, sha1Block } from "./sha1";
import { sha256Init, sha256Compress } from "./sha256";
import { sha512Init, sha512Compress } from "./sha512";

export function hashInitState(alg: i32, h: usize): void {
  if (alg == SHA1) sha1Init(h);
  else if (alg == SHA256) sha256Init(h);
  else sha512Init(h);
}

export function compress(alg: i32, h: usize, block: usize): void {
  if (alg == SHA1) sha1Block(h, block);
  else if (alg == SHA256) sha256Compress(h, block);
  else sha512Compress(h, block);
}

/**
 * FIPS 180-4 5.1: append 0x80, zeros, and the message length in bits as a 64-bit (SHA-1/256) or 128-bit
 * (SHA-512) big-endian integer, then compress the last block(s). `buf` holds `used` pending bytes.
 */
export function finishBlocks(alg: i32, h: usize, buf: usize, used: i32, totalBytes: u64): void {
  const bs = blockSize(alg);
  const lenBytes = alg == SHA512 ? 16 : 8;
  store<u8>(buf + <usize>used, 0x80);
  used++;
  if (used > bs - lenBytes) {
    memory.fill(buf + <usize>used, 0, <usize>(bs - used));
    compress(alg, h, buf);
    used = 0;
  }
  memory.fill(buf + <usize>used, 0, <usize>(bs - used));
  store<u64>(buf + <usize>bs - 8, bswap<u64>(totalBytes << 3));
  if (alg == SHA512) store<u64>(buf + <usize>bs - 16, bswap<u64>(totalBytes >> 61));
  compress(alg, h, buf);
}

// Streaming context: state words at CTX_H, pending bytes at CTX_BUF.
let pending: i32 = 0;
let total: u64 = 0;

export function streamReset(totalSoFar: u64): void {
  pending = 0;
  total = totalSoFar;
}

/** Feeds `len` bytes at `src` into the streaming context. */
export function streamUpdate(alg: i32, src: usize, len: i32): void {
  const bs = blockSize(alg);
  total += <u64>len;
  if (pending > 0) {
    const take = min(bs - pending, len);
    memory.copy(CTX_BUF + <usize>pending, src, <usize>take);
    pending += take;
    src += <usize>take;
    len -= take;
    if (pending < bs) return;
    compress(alg, CTX_H, CTX_BUF);
    pending = 0;
  }
  while (len >= bs) {
    compress(alg, CTX_H, src);
    src += <usize>bs;
    len -= bs;
  }
  if (len > 0) {
    memory.copy(CTX_BUF, src, <usize>len);
    pending = len;
  }
}

export function streamFinish(alg: i32): void {
  finishBlocks(alg, CTX_H, CTX_BUF, pending, total);
  pending = 0;
  total = 0;
}

/**
 * Clears the schedule the compression of `alg` left in memory: SHA-256/512 extend it in W; scalar SHA-1
 * keeps it in locals, and the SIMD build's SHA-1 (sha1Block) leaves lane 0's words in XW and XS.
 */
export function wipeSchedule(alg: i32): void {
  if (alg != SHA1) memory.fill(W, 0, alg == SHA512 ? 640 : 256);
  else if (ASC_FEATURE_SIMD) {
    memory.fill(XW, 0, 256);
    memory.fill(XS, 0, 80);
  }
}

export function hashInit(alg: i32): void {
  hashInitState(alg, CTX_H);
  streamReset(0);
}

export function hashUpdate(alg: i32, len: i32): void {
  streamUpdate(alg, IO, min(max(len, 0), IO_SIZE)); // lengths are clamped to IO so no call can trap
}
