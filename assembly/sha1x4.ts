// Four independent SHA-1 compressions in the four i32 lanes of v128 (FIPS 180-4 6.1.2, lane-wise).
// Used for HOTP candidates: a +/-1 window is 3 candidates, so one pass replaces three (DESIGN.md section 6).
// State: 5 v128 at XS (word k of lane j at XS + 16k + 4j). Schedule: W0..15 prefilled at XW, extended here.
import { XS, XW } from "./layout";

// @ts-ignore: decorator
@inline function rotl(x: v128, n: i32): v128 {
  return v128.or(i32x4.shl(x, n), i32x4.shr_u(x, 32 - n));
}

export function sha1x4Compress(): void {
  for (let i: usize = 256; i < 1280; i += 16) {
    const x = v128.xor(
      v128.xor(v128.load(XW + i - 48), v128.load(XW + i - 128)),
      v128.xor(v128.load(XW + i - 224), v128.load(XW + i - 256)),
    );
    v128.store(XW + i, rotl(x, 1));
  }
  let a = v128.load(XS), b = v128.load(XS, 16), c = v128.load(XS, 32), d = v128.load(XS, 48), e = v128.load(XS, 64);
  // Five rounds per iteration with the roles of a..e rotating, so no values move between registers.
  let k = i32x4.splat(0x5a827999);
  for (let i: usize = 0; i < 320; i += 80) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.bitselect(c, d, b), i32x4.add(k, v128.load(XW + i, 0))));
    b = rotl(b, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.bitselect(b, c, a), i32x4.add(k, v128.load(XW + i, 16))));
    a = rotl(a, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.bitselect(a, b, e), i32x4.add(k, v128.load(XW + i, 32))));
    e = rotl(e, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.bitselect(e, a, d), i32x4.add(k, v128.load(XW + i, 48))));
    d = rotl(d, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.bitselect(d, e, c), i32x4.add(k, v128.load(XW + i, 64))));
    c = rotl(c, 30);
  }
  k = i32x4.splat(0x6ed9eba1);
  for (let i: usize = 320; i < 640; i += 80) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(k, v128.load(XW + i, 0))));
    b = rotl(b, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(k, v128.load(XW + i, 16))));
    a = rotl(a, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.xor(v128.xor(e, a), b), i32x4.add(k, v128.load(XW + i, 32))));
    e = rotl(e, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.xor(v128.xor(d, e), a), i32x4.add(k, v128.load(XW + i, 48))));
    d = rotl(d, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.xor(v128.xor(c, d), e), i32x4.add(k, v128.load(XW + i, 64))));
    c = rotl(c, 30);
  }
  k = i32x4.splat(0x8f1bbcdc);
  for (let i: usize = 640; i < 960; i += 80) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.bitselect(c, b, v128.xor(b, d)), i32x4.add(k, v128.load(XW + i, 0))));
    b = rotl(b, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.bitselect(b, a, v128.xor(a, c)), i32x4.add(k, v128.load(XW + i, 16))));
    a = rotl(a, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.bitselect(a, e, v128.xor(e, b)), i32x4.add(k, v128.load(XW + i, 32))));
    e = rotl(e, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.bitselect(e, d, v128.xor(d, a)), i32x4.add(k, v128.load(XW + i, 48))));
    d = rotl(d, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.bitselect(d, c, v128.xor(c, e)), i32x4.add(k, v128.load(XW + i, 64))));
    c = rotl(c, 30);
  }
  k = i32x4.splat(0xca62c1d6);
  for (let i: usize = 960; i < 1280; i += 80) {
    e = i32x4.add(i32x4.add(e, rotl(a, 5)), i32x4.add(v128.xor(v128.xor(b, c), d), i32x4.add(k, v128.load(XW + i, 0))));
    b = rotl(b, 30);
    d = i32x4.add(i32x4.add(d, rotl(e, 5)), i32x4.add(v128.xor(v128.xor(a, b), c), i32x4.add(k, v128.load(XW + i, 16))));
    a = rotl(a, 30);
    c = i32x4.add(i32x4.add(c, rotl(d, 5)), i32x4.add(v128.xor(v128.xor(e, a), b), i32x4.add(k, v128.load(XW + i, 32))));
    e = rotl(e, 30);
    b = i32x4.add(i32x4.add(b, rotl(c, 5)), i32x4.add(v128.xor(v128.xor(d, e), a), i32x4.add(k, v128.load(XW + i, 48))));
    d = rotl(d, 30);
    a = i32x4.add(i32x4.add(a, rotl(b, 5)), i32x4.add(v128.xor(v128.xor(c, d), e), i32x4.add(k, v128.load(XW + i, 64))));
    c = rotl(c, 30);
  }
  v128.store(XS, i32x4.add(v128.load(XS), a));
  v128.store(XS, i32x4.add(v128.load(XS, 16), b), 16);
  v128.store(XS, i32x4.add(v128.load(XS, 32), c), 32);
  v128.store(XS, i32x4.add(v128.load(XS, 48), d), 48);
  v128.store(XS, i32x4.add(v128.load(XS, 64), e), 64);
}
