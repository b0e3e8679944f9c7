/**
 * Hashing and HMAC over the WASM core (assembly/hash.ts, assembly/hmac.ts). Input streams through the
 * fixed IO buffer in chunks, so data of any size works without growing memory. Every function wipes the IO
 * bytes, digests and temporary key state it used before returning, also when it throws.
 */
import { getCore, SLOT_SIZE, type Core } from "./core.js";
import type { HashAlgorithm } from "./port.js";
import { algorithmId, bytes } from "./validate.js";

/** Block and digest sizes by algorithm id (FIPS 180-4 section 1: SHA-1, SHA-256, SHA-512). */
const BLOCK_SIZE = [64, 64, 128] as const;
const DIGEST_SIZE = [20, 32, 64] as const;

/** Feeds `data` through IO into the running hash; returns the number of IO bytes that need wiping. */
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

/** The digest of `data` with algorithm id `alg`. */
export function digest(alg: number, data: unknown): Uint8Array {
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

/**
 * Computes the HMAC inner/outer states of `key` into the slot at pointer `slot` (RFC 2104 section 2: a key
 * longer than the block is hashed first). The core wipes the key bytes it was given.
 */
export function prepareInto(c: Core, alg: number, key: Uint8Array, slot: number): void {
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

/**
 * HMAC of `data` under `key` into OUT, using temporary slot 0; returns the IO bytes used. The MAC is left in
 * OUT for the caller, which wipes IO, OUT and the temporary slot.
 */
export function hmacToOut(c: Core, alg: number, key: Uint8Array, data: Uint8Array): number {
  prepareInto(c, alg, key, c.temp);
  c.x.hmacInit(alg, c.temp);
  const used = feed(c, alg, data);
  c.x.hmacFinal(alg, c.temp);
  return used;
}

/** The temporary slot `hmacToOut` used, wiped. */
export function wipeTempSlot(c: Core): void {
  c.u8.fill(0, c.temp, c.temp + SLOT_SIZE);
}

export function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
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
    wipeTempSlot(c);
  }
}
