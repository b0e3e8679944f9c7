// The memory contract between the WASM core and src/crypto (see src/crypto/core.ts).
// One static region, carved at fixed offsets; memory never grows (the build sets initial = maximum pages).
// Everything below SCRATCH_END is scratch and is wiped after each call; prepared-key slots follow it.

export const IO_SIZE: i32 = 65536; // input chunks, keys, codes, base32 text
export const BLOCK_MAX: i32 = 128; // SHA-512 block
export const MAX_JOBS: i32 = 512; // HOTP jobs per kernel call
export const SLOT_SIZE: i32 = 128; // inner state at +0, outer state at +64 (native-endian words)
export const TEMP_SLOTS: i32 = 64; // per-call states for plain keys and slot-less prepared keys
export const SLOTS: i32 = 1024; // long-lived prepared-key slots

// One HOTP job row (assembly/hotp.ts), 8 u32 words; src/crypto/jobs.ts holds the same offsets and is the
// only TypeScript that reads or writes a row (test/crypto/build.test.ts checks the two agree).
export const JOB_SIZE: i32 = 32;
export const JOB_SLOT: i32 = 0; // in: pointer to the key's prepared slot (inner state +0, outer +64)
export const JOB_COUNTER_HI: i32 = 4; // in: counter bits 63..32
export const JOB_COUNTER_LO: i32 = 8; // in: counter bits 31..0
export const JOB_DIGITS: i32 = 12; // in: 6..10
export const JOB_EXPECTED: i32 = 16; // in: the code to compare with (0xffffffff never matches)
export const JOB_CODE: i32 = 20; // out: the code when the call emits codes, else 0
export const JOB_MATCH: i32 = 24; // out: 1 when the code equals the expected one, else 0 (constant time)

// Offsets inside the region.
const IO_OFF = 0;
const OUT_OFF = IO_OFF + IO_SIZE; // digest (up to 64 bytes) + key digest (64 bytes)
const CTX_H_OFF = OUT_OFF + 128; // streaming hash state
const CTX_BUF_OFF = CTX_H_OFF + 64; // streaming partial block
const BLK_OFF = CTX_BUF_OFF + BLOCK_MAX; // a block built in place (HMAC pads, HOTP blocks)
const W_OFF = BLK_OFF + BLOCK_MAX; // scalar message schedule, 80 x u64
// The SIMD kernels keep word k of every lane in one 16-byte row (4 x i32 or 2 x i64), so a row is 16 bytes.
const XW_OFF = W_OFF + 640; // SIMD message schedule: up to 80 rows (SHA-512 extends 16 to 80 in place)
const XS_OFF = XW_OFF + 80 * 16; // SIMD state: 8 rows
const LD_OFF = XS_OFF + 8 * 16; // one MAC (up to 64 bytes) copied out of the lanes or the scalar state
const JOBS_OFF = LD_OFF + 64;
const TEMP_OFF = JOBS_OFF + MAX_JOBS * JOB_SIZE;
const SCRATCH_SIZE = TEMP_OFF + TEMP_SLOTS * SLOT_SIZE;
const SLOTS_OFF = SCRATCH_SIZE;
const TOTAL = SLOTS_OFF + SLOTS * SLOT_SIZE;

export const BASE: usize = memory.data(TOTAL, 64);
export const IO: usize = BASE + IO_OFF;
export const OUT: usize = BASE + OUT_OFF;
export const CTX_H: usize = BASE + CTX_H_OFF;
export const CTX_BUF: usize = BASE + CTX_BUF_OFF;
export const BLK: usize = BASE + BLK_OFF;
export const W: usize = BASE + W_OFF;
export const XW: usize = BASE + XW_OFF;
export const XS: usize = BASE + XS_OFF;
export const LD: usize = BASE + LD_OFF;
export const JOBS: usize = BASE + JOBS_OFF;
export const TEMP: usize = BASE + TEMP_OFF;
export const SCRATCH_END: usize = BASE + SCRATCH_SIZE;
export const SLOT_BASE: usize = BASE + SLOTS_OFF;
export const MEMORY_END: usize = BASE + TOTAL;

// Algorithm ids, the same as ALGORITHM_ID in src/crypto/validate.ts.
export const SHA1: i32 = 0;
export const SHA256: i32 = 1;
export const SHA512: i32 = 2;

// @ts-ignore: decorator
@inline export function blockSize(alg: i32): i32 {
  return alg == SHA512 ? 128 : 64;
}

// @ts-ignore: decorator
@inline export function digestSize(alg: i32): i32 {
  return alg == SHA1 ? 20 : alg == SHA256 ? 32 : 64;
}

/** Writes the state words (native endian) to `dst` as the big-endian digest (FIPS 180-4 section 6: words are big-endian). */
export function writeDigest(alg: i32, state: usize, dst: usize): void {
  if (alg == SHA512) {
    for (let i: usize = 0; i < 64; i += 8) store<u64>(dst + i, bswap<u64>(load<u64>(state + i)));
  } else {
    const n = <usize>digestSize(alg);
    for (let i: usize = 0; i < n; i += 4) store<u32>(dst + i, bswap<u32>(load<u32>(state + i)));
  }
}
