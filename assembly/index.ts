// The WASM crypto core: exports take and return integers only (pointers, lengths, algorithm ids, counts).
// Memory contract (assembly/layout.ts): fixed memory that never grows, no imports, scratch wiped after use.
import { IO, OUT, CTX_H, BLK, JOBS, TEMP, SCRATCH_END, SLOT_BASE, MEMORY_END, IO_SIZE, MAX_JOBS, TEMP_SLOTS, SLOTS } from "./layout";

export { hashInit, hashUpdate } from "./hash";
export { hmacPrepare, hmacInit, hmacFinal } from "./hmac";
export { hotpJobs } from "./hotp";
export { ctDiff } from "./compare";
export { b32Encode, b32Decode } from "./base32";
export { findHash } from "./backup";
import { streamFinish, wipeSchedule } from "./hash";
import { writeDigest } from "./layout";

/** Finishes a plain hash started with hashInit; the digest lands in OUT. */
export function hashFinal(alg: i32): void {
  streamFinish(alg);
  writeDigest(alg, CTX_H, OUT);
  wipeSchedule(alg);
}

/**
 * Wipes the first `ioLen` bytes of IO, the digest area and the streaming hash state (OUT to BLK, 320
 * bytes). Everything else cleans up after itself: hashFinal/hmacFinal clear the schedule they used,
 * hmacPrepare its pad block and lanes, hotpJobs its blocks, lanes and MAC. Job rows and temporary key
 * slots are wiped by the caller, which knows how many it used (src/crypto/jobs.ts clearJobs, keys.ts clearTempSlots).
 */
export function wipe(ioLen: i32): void {
  memory.fill(IO, 0, <usize>min(max(ioLen, 0), IO_SIZE));
  memory.fill(OUT, 0, BLK - OUT);
}

export function ioPtr(): usize { return IO; }
export function ioSize(): i32 { return IO_SIZE; }
export function outPtr(): usize { return OUT; }
export function jobsPtr(): usize { return JOBS; }
export function maxJobs(): i32 { return MAX_JOBS; }
export function tempPtr(): usize { return TEMP; }
export function tempSlots(): i32 { return TEMP_SLOTS; }
export function slotPtr(): usize { return SLOT_BASE; }
export function slotCount(): i32 { return SLOTS; }
export function scratchEnd(): usize { return SCRATCH_END; }
export function memoryEnd(): usize { return MEMORY_END; }
export function simd(): i32 { return ASC_FEATURE_SIMD ? 1 : 0; }
