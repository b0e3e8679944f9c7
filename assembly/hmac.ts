// HMAC, RFC 2104 / FIPS 198-1. A key's inner and outer states (the compression of key^ipad and key^opad)
// are computed once per key and kept in a slot, so each later MAC costs two compressions less.
import { BLK, W, CTX_H, CTX_BUF, OUT, blockSize, digestSize, writeDigest } from "./layout";
import { hashInitState, compress, streamReset, streamFinish, finishBlocks } from "./hash";

/**
 * Writes the inner state (slot+0) and outer state (slot+64) for the key at `key` (`keyLen` <= block size:
 * the caller hashes longer keys first, RFC 2104 section 2), then wipes the key bytes.
 */
export function hmacPrepare(alg: i32, key: usize, keyLen: i32, slot: usize): void {
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
  memory.fill(W, 0, 640);
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
}
