// Eight independent SHA-1 compressions as two interleaved 4-lane streams (FIPS 180-4 6.1.2, lane-wise).
// SHA-1's rounds form one long dependency chain; running two chains side by side lets the CPU overlap them,
// which is where the batch speed comes from (verifyTotpBatch packs candidates of many requests, 8 per pass).
// Measured on the 2-core build machine (Node 20): 35 ns per lane-compression here, 43 ns with one i32x4
// stream (sha1x4.ts), 160 ns scalar (sha1.ts).
// State: 5 words of 32 bytes at XS (word k, lane j at XS + 32k + 4j); schedule W0..15 prefilled at XW, same
// layout, extended here to 80 words.
import { XS, XW } from "./layout";

// @ts-ignore: decorator
@inline function rotl(x: v128, n: i32): v128 {
  return v128.or(i32x4.shl(x, n), i32x4.shr_u(x, 32 - n));
}

export function sha1x8Compress(): void {
  for (let i: usize = 512; i < 2560; i += 16) {
    const x = v128.xor(
      v128.xor(v128.load(XW + i - 96), v128.load(XW + i - 256)),
      v128.xor(v128.load(XW + i - 448), v128.load(XW + i - 512)),
    );
    v128.store(XW + i, rotl(x, 1));
  }
  let a = v128.load(XS), b = v128.load(XS, 32), c = v128.load(XS, 64), d = v128.load(XS, 96), e = v128.load(XS, 128);
  let a2 = v128.load(XS, 16), b2 = v128.load(XS, 48), c2 = v128.load(XS, 80), d2 = v128.load(XS, 112), e2 = v128.load(XS, 144);
  let k: v128;
  k = i32x4.splat(0x5a827999);
  for (let i: usize = 0; i < 640; i += 160) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.bitselect(c, d, b), i32x4.add(k, v128.load(XW + i, 0))));
    e2 = i32x4.add(i32x4.add(e2, rotl(a2, 5)), i32x4.add(v128.bitselect(c2, d2, b2), i32x4.add(k, v128.load(XW + i, 16))));
    b = rotl(b, 30);
    b2 = rotl(b2, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.bitselect(b, c, a), i32x4.add(k, v128.load(XW + i, 32))));
    d2 = i32x4.add(i32x4.add(d2, rotl(e2, 5)), i32x4.add(v128.bitselect(b2, c2, a2), i32x4.add(k, v128.load(XW + i, 48))));
    a = rotl(a, 30);
    a2 = rotl(a2, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.bitselect(a, b, e), i32x4.add(k, v128.load(XW + i, 64))));
    c2 = i32x4.add(i32x4.add(c2, rotl(d2, 5)), i32x4.add(v128.bitselect(a2, b2, e2), i32x4.add(k, v128.load(XW + i, 80))));
    e = rotl(e, 30);
    e2 = rotl(e2, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.bitselect(e, a, d), i32x4.add(k, v128.load(XW + i, 96))));
    b2 = i32x4.add(i32x4.add(b2, rotl(c2, 5)), i32x4.add(v128.bitselect(e2, a2, d2), i32x4.add(k, v128.load(XW + i, 112))));
    d = rotl(d, 30);
    d2 = rotl(d2, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.bitselect(d, e, c), i32x4.add(k, v128.load(XW + i, 128))));
    a2 = i32x4.add(i32x4.add(a2, rotl(b2, 5)), i32x4.add(v128.bitselect(d2, e2, c2), i32x4.add(k, v128.load(XW + i, 144))));
    c = rotl(c, 30);
    c2 = rotl(c2, 30);
  }
  k = i32x4.splat(0x6ed9eba1);
  for (let i: usize = 640; i < 1280; i += 160) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(k, v128.load(XW + i, 0))));
    e2 = i32x4.add(i32x4.add(e2, rotl(a2, 5)), i32x4.add(v128.xor(v128.xor(b2, c2), d2), i32x4.add(k, v128.load(XW + i, 16))));
    b = rotl(b, 30);
    b2 = rotl(b2, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(k, v128.load(XW + i, 32))));
    d2 = i32x4.add(i32x4.add(d2, rotl(e2, 5)), i32x4.add(v128.xor(v128.xor(a2, b2), c2), i32x4.add(k, v128.load(XW + i, 48))));
    a = rotl(a, 30);
    a2 = rotl(a2, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.xor(v128.xor(e, a), b), i32x4.add(k, v128.load(XW + i, 64))));
    c2 = i32x4.add(i32x4.add(c2, rotl(d2, 5)), i32x4.add(v128.xor(v128.xor(e2, a2), b2), i32x4.add(k, v128.load(XW + i, 80))));
    e = rotl(e, 30);
    e2 = rotl(e2, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.xor(v128.xor(d, e), a), i32x4.add(k, v128.load(XW + i, 96))));
    b2 = i32x4.add(i32x4.add(b2, rotl(c2, 5)), i32x4.add(v128.xor(v128.xor(d2, e2), a2), i32x4.add(k, v128.load(XW + i, 112))));
    d = rotl(d, 30);
    d2 = rotl(d2, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.xor(v128.xor(c, d), e), i32x4.add(k, v128.load(XW + i, 128))));
    a2 = i32x4.add(i32x4.add(a2, rotl(b2, 5)), i32x4.add(v128.xor(v128.xor(c2, d2), e2), i32x4.add(k, v128.load(XW + i, 144))));
    c = rotl(c, 30);
    c2 = rotl(c2, 30);
  }
  k = i32x4.splat(0x8f1bbcdc);
  for (let i: usize = 1280; i < 1920; i += 160) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.bitselect(c, b, v128.xor(b, d)), i32x4.add(k, v128.load(XW + i, 0))));
    e2 = i32x4.add(i32x4.add(e2, rotl(a2, 5)), i32x4.add(v128.bitselect(c2, b2, v128.xor(b2, d2)), i32x4.add(k, v128.load(XW + i, 16))));
    b = rotl(b, 30);
    b2 = rotl(b2, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.bitselect(b, a, v128.xor(a, c)), i32x4.add(k, v128.load(XW + i, 32))));
    d2 = i32x4.add(i32x4.add(d2, rotl(e2, 5)), i32x4.add(v128.bitselect(b2, a2, v128.xor(a2, c2)), i32x4.add(k, v128.load(XW + i, 48))));
    a = rotl(a, 30);
    a2 = rotl(a2, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.bitselect(a, e, v128.xor(e, b)), i32x4.add(k, v128.load(XW + i, 64))));
    c2 = i32x4.add(i32x4.add(c2, rotl(d2, 5)), i32x4.add(v128.bitselect(a2, e2, v128.xor(e2, b2)), i32x4.add(k, v128.load(XW + i, 80))));
    e = rotl(e, 30);
    e2 = rotl(e2, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.bitselect(e, d, v128.xor(d, a)), i32x4.add(k, v128.load(XW + i, 96))));
    b2 = i32x4.add(i32x4.add(b2, rotl(c2, 5)), i32x4.add(v128.bitselect(e2, d2, v128.xor(d2, a2)), i32x4.add(k, v128.load(XW + i, 112))));
    d = rotl(d, 30);
    d2 = rotl(d2, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.bitselect(d, c, v128.xor(c, e)), i32x4.add(k, v128.load(XW + i, 128))));
    a2 = i32x4.add(i32x4.add(a2, rotl(b2, 5)), i32x4.add(v128.bitselect(d2, c2, v128.xor(c2, e2)), i32x4.add(k, v128.load(XW + i, 144))));
    c = rotl(c, 30);
    c2 = rotl(c2, 30);
  }
  k = i32x4.splat(0xca62c1d6);
  for (let i: usize = 1920; i < 2560; i += 160) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(k, v128.load(XW + i, 0))));
    e2 = i32x4.add(i32x4.add(e2, rotl(a2, 5)), i32x4.add(v128.xor(v128.xor(b2, c2), d2), i32x4.add(k, v128.load(XW + i, 16))));
    b = rotl(b, 30);
    b2 = rotl(b2, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(k, v128.load(XW + i, 32))));
    d2 = i32x4.add(i32x4.add(d2, rotl(e2, 5)), i32x4.add(v128.xor(v128.xor(a2, b2), c2), i32x4.add(k, v128.load(XW + i, 48))));
    a = rotl(a, 30);
    a2 = rotl(a2, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.xor(v128.xor(e, a), b), i32x4.add(k, v128.load(XW + i, 64))));
    c2 = i32x4.add(i32x4.add(c2, rotl(d2, 5)), i32x4.add(v128.xor(v128.xor(e2, a2), b2), i32x4.add(k, v128.load(XW + i, 80))));
    e = rotl(e, 30);
    e2 = rotl(e2, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.xor(v128.xor(d, e), a), i32x4.add(k, v128.load(XW + i, 96))));
    b2 = i32x4.add(i32x4.add(b2, rotl(c2, 5)), i32x4.add(v128.xor(v128.xor(d2, e2), a2), i32x4.add(k, v128.load(XW + i, 112))));
    d = rotl(d, 30);
    d2 = rotl(d2, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.xor(v128.xor(c, d), e), i32x4.add(k, v128.load(XW + i, 128))));
    a2 = i32x4.add(i32x4.add(a2, rotl(b2, 5)), i32x4.add(v128.xor(v128.xor(c2, d2), e2), i32x4.add(k, v128.load(XW + i, 144))));
    c = rotl(c, 30);
    c2 = rotl(c2, 30);
  }
  v128.store(XS, i32x4.add(v128.load(XS, 0), a), 0);
  v128.store(XS, i32x4.add(v128.load(XS, 16), a2), 16);
  v128.store(XS, i32x4.add(v128.load(XS, 32), b), 32);
  v128.store(XS, i32x4.add(v128.load(XS, 48), b2), 48);
  v128.store(XS, i32x4.add(v128.load(XS, 64), c), 64);
  v128.store(XS, i32x4.add(v128.load(XS, 80), c2), 80);
  v128.store(XS, i32x4.add(v128.load(XS, 96), d), 96);
  v128.store(XS, i32x4.add(v128.load(XS, 112), d2), 112);
  v128.store(XS, i32x4.add(v128.load(XS, 128), e), 128);
  v128.store(XS, i32x4.add(v128.load(XS, 144), e2), 144);
}
