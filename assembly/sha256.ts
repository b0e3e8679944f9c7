// SHA-256, FIPS 180-4 section 6.2.
import { W } from "./layout";

// FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
export const K256: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
], 16);

export function sha256Init(h: usize): void {
  store<u32>(h, 0x6a09e667);
  store<u32>(h, 0xbb67ae85, 4);
  store<u32>(h, 0x3c6ef372, 8);
  store<u32>(h, 0xa54ff53a, 12);
  store<u32>(h, 0x510e527f, 16);
  store<u32>(h, 0x9b05688c, 20);
  store<u32>(h, 0x1f83d9ab, 24);
  store<u32>(h, 0x5be0cd19, 28);
}

/** One compression (FIPS 180-4 6.2.2) of the 64-byte big-endian block at `block` into the state at `h`. */
export function sha256Compress(h: usize, block: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, bswap<u32>(load<u32>(block + i)));
  for (let i: usize = 64; i < 256; i += 4) {
    const x = load<u32>(W + i - 60);
    const y = load<u32>(W + i - 8);
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
    store<u32>(W + i, load<u32>(W + i - 64) + s0 + load<u32>(W + i - 28) + s1);
  }
  let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
  let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), hh = load<u32>(h, 28);
  // Eight rounds per iteration with the roles of a..h rotating, so no values move between registers.
  for (let i: usize = 0; i < 256; i += 32) {
    hh += (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + (g ^ (e & (f ^ g))) + load<u32>(K256 + i, 0) + load<u32>(W + i, 0);
    d += hh;
    hh += (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) | (c & (a | b)));
    g += (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25)) + (f ^ (d & (e ^ f))) + load<u32>(K256 + i, 4) + load<u32>(W + i, 4);
    c += g;
    g += (rotr<u32>(hh, 2) ^ rotr<u32>(hh, 13) ^ rotr<u32>(hh, 22)) + ((hh & a) | (b & (hh | a)));
    f += (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25)) + (e ^ (c & (d ^ e))) + load<u32>(K256 + i, 8) + load<u32>(W + i, 8);
    b += f;
    f += (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22)) + ((g & hh) | (a & (g | hh)));
    e += (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25)) + (d ^ (b & (c ^ d))) + load<u32>(K256 + i, 12) + load<u32>(W + i, 12);
    a += e;
    e += (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22)) + ((f & g) | (hh & (f | g)));
    d += (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25)) + (c ^ (a & (b ^ c))) + load<u32>(K256 + i, 16) + load<u32>(W + i, 16);
    hh += d;
    d += (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22)) + ((e & f) | (g & (e | f)));
    c += (rotr<u32>(hh, 6) ^ rotr<u32>(hh, 11) ^ rotr<u32>(hh, 25)) + (b ^ (hh & (a ^ b))) + load<u32>(K256 + i, 20) + load<u32>(W + i, 20);
    g += c;
    c += (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22)) + ((d & e) | (f & (d | e)));
    b += (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25)) + (a ^ (g & (hh ^ a))) + load<u32>(K256 + i, 24) + load<u32>(W + i, 24);
    f += b;
    b += (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22)) + ((c & d) | (e & (c | d)));
    a += (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25)) + (hh ^ (f & (g ^ hh))) + load<u32>(K256 + i, 28) + load<u32>(W + i, 28);
    e += a;
    a += (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22)) + ((b & c) | (d & (b | c)));
  }
  store<u32>(h, load<u32>(h) + a);
  store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
  store<u32>(h, load<u32>(h, 20) + f, 20);
  store<u32>(h, load<u32>(h, 24) + g, 24);
  store<u32>(h, load<u32>(h, 28) + hh, 28);
}
