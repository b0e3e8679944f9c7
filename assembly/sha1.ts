// SHA-1, FIPS 180-4 section 6.1. Kept for RFC 4226/6238 HOTP/TOTP, where HMAC-SHA-1 is the default and is
// not affected by SHA-1 collision attacks (HMAC security rests on the compression function as a PRF).
// The compressions are generated fully unrolled (scripts/gen-sha1.mjs writes assembly/sha1-unrolled.generated.ts at build time).
import { XS, XW } from "./layout";
import { sha1Compress, sha1x4Compress } from "./sha1-unrolled.generated";

export function sha1Init(h: usize): void {
  store<u32>(h, 0x67452301);
  store<u32>(h, 0xefcdab89, 4);
  store<u32>(h, 0x98badcfe, 8);
  store<u32>(h, 0x10325476, 12);
  store<u32>(h, 0xc3d2e1f0, 16);
}


/**
 * One compression of the big-endian block at `block` into the state at `h`. The SIMD build runs it in
 * lane 0 of the unrolled 4-lane kernel instead of carrying a second unrolled SHA-1 (each unrolled kernel is
 * 4-8 KiB and a module must stay under 24 KiB). Measured streaming 1 MiB (busy 2-core EPYC, Node 20):
 * 166 ns per block this way, 142 ns with the scalar unrolled kernel, 231 ns with the looped kernel it
 * replaced. Streamed SHA-1 is not on the OTP hot path (that is hotp.ts). The caller wipes XS/XW afterwards
 * (wipeSchedule).
 */
export function sha1Block(h: usize, block: usize): void {
  if (!ASC_FEATURE_SIMD) {
    sha1Compress(h, block);
    return;
  }
  for (let k: usize = 0; k < 16; k++) store<u32>(XW + k * 16, bswap<u32>(load<u32>(block + k * 4)));
  for (let k: usize = 0; k < 5; k++) store<u32>(XS + k * 16, load<u32>(h + k * 4));
  sha1x4Compress();
  for (let k: usize = 0; k < 5; k++) store<u32>(h + k * 4, load<u32>(XS + k * 16));
}
