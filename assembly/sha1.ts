// SHA-1, FIPS 180-4 section 6.1. Kept for RFC 4226/6238 HOTP/TOTP, where HMAC-SHA-1 is the default and is
// not affected by SHA-1 collision attacks (HMAC security rests on the compression function as a PRF).
import { W } from "./layout";

export function sha1Init(h: usize): void {
  store<u32>(h, 0x67452301);
  store<u32>(h, 0xefcdab89, 4);
  store<u32>(h, 0x98badcfe, 8);
  store<u32>(h, 0x10325476, 12);
  store<u32>(h, 0xc3d2e1f0, 16);
}

/** One compression (FIPS 180-4 6.1.2) of the 64-byte big-endian block at `block` into the state at `h`. */
export function sha1Compress(h: usize, block: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, bswap<u32>(load<u32>(block + i)));
  for (let i: usize = 64; i < 320; i += 4) {
    const x = load<u32>(W + i - 12) ^ load<u32>(W + i - 32) ^ load<u32>(W + i - 56) ^ load<u32>(W + i - 64);
    store<u32>(W + i, rotl<u32>(x, 1));
  }
  let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12), e = load<u32>(h, 16);
  // Five rounds per iteration with the roles of a..e rotating (no moves); one loop per f and K (no branch).
  for (let i: usize = 0; i < 80; i += 20) {
    e += rotl<u32>(a, 5) + (d ^ (b & (c ^ d))) + 0x5a827999 + load<u32>(W + i, 0);
    b = rotl<u32>(b, 30);
    d += rotl<u32>(e, 5) + (c ^ (a & (b ^ c))) + 0x5a827999 + load<u32>(W + i, 4);
    a = rotl<u32>(a, 30);
    c += rotl<u32>(d, 5) + (b ^ (e & (a ^ b))) + 0x5a827999 + load<u32>(W + i, 8);
    e = rotl<u32>(e, 30);
    b += rotl<u32>(c, 5) + (a ^ (d & (e ^ a))) + 0x5a827999 + load<u32>(W + i, 12);
    d = rotl<u32>(d, 30);
    a += rotl<u32>(b, 5) + (e ^ (c & (d ^ e))) + 0x5a827999 + load<u32>(W + i, 16);
    c = rotl<u32>(c, 30);
  }
  for (let i: usize = 80; i < 160; i += 20) {
    e += rotl<u32>(a, 5) + (b ^ c ^ d) + 0x6ed9eba1 + load<u32>(W + i, 0);
    b = rotl<u32>(b, 30);
    d += rotl<u32>(e, 5) + (a ^ b ^ c) + 0x6ed9eba1 + load<u32>(W + i, 4);
    a = rotl<u32>(a, 30);
    c += rotl<u32>(d, 5) + (e ^ a ^ b) + 0x6ed9eba1 + load<u32>(W + i, 8);
    e = rotl<u32>(e, 30);
    b += rotl<u32>(c, 5) + (d ^ e ^ a) + 0x6ed9eba1 + load<u32>(W + i, 12);
    d = rotl<u32>(d, 30);
    a += rotl<u32>(b, 5) + (c ^ d ^ e) + 0x6ed9eba1 + load<u32>(W + i, 16);
    c = rotl<u32>(c, 30);
  }
  for (let i: usize = 160; i < 240; i += 20) {
    e += rotl<u32>(a, 5) + ((b & c) | (d & (b | c))) + 0x8f1bbcdc + load<u32>(W + i, 0);
    b = rotl<u32>(b, 30);
    d += rotl<u32>(e, 5) + ((a & b) | (c & (a | b))) + 0x8f1bbcdc + load<u32>(W + i, 4);
    a = rotl<u32>(a, 30);
    c += rotl<u32>(d, 5) + ((e & a) | (b & (e | a))) + 0x8f1bbcdc + load<u32>(W + i, 8);
    e = rotl<u32>(e, 30);
    b += rotl<u32>(c, 5) + ((d & e) | (a & (d | e))) + 0x8f1bbcdc + load<u32>(W + i, 12);
    d = rotl<u32>(d, 30);
    a += rotl<u32>(b, 5) + ((c & d) | (e & (c | d))) + 0x8f1bbcdc + load<u32>(W + i, 16);
    c = rotl<u32>(c, 30);
  }
  for (let i: usize = 240; i < 320; i += 20) {
    e += rotl<u32>(a, 5) + (b ^ c ^ d) + 0xca62c1d6 + load<u32>(W + i, 0);
    b = rotl<u32>(b, 30);
    d += rotl<u32>(e, 5) + (a ^ b ^ c) + 0xca62c1d6 + load<u32>(W + i, 4);
    a = rotl<u32>(a, 30);
    c += rotl<u32>(d, 5) + (e ^ a ^ b) + 0xca62c1d6 + load<u32>(W + i, 8);
    e = rotl<u32>(e, 30);
    b += rotl<u32>(c, 5) + (d ^ e ^ a) + 0xca62c1d6 + load<u32>(W + i, 12);
    d = rotl<u32>(d, 30);
    a += rotl<u32>(b, 5) + (c ^ d ^ e) + 0xca62c1d6 + load<u32>(W + i, 16);
    c = rotl<u32>(c, 30);
  }
  store<u32>(h, load<u32>(h) + a);
  store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
}
