// Four independent SHA-256 compressions in the four i32 lanes of v128 (FIPS 180-4 6.2.2, lane-wise).
// State: 8 v128 at XS; schedule: W0..15 prefilled at XW (64 words used).
import { XS, XW } from "./layout";
import { K256 } from "./sha256";

// @ts-ignore: decorator
@inline function rotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

export function sha256x4Compress(): void {
  for (let i: usize = 256; i < 1024; i += 16) {
    const x = v128.load(XW + i - 240);
    const y = v128.load(XW + i - 32);
    const s0 = v128.xor(v128.xor(rotr(x, 7), rotr(x, 18)), i32x4.shr_u(x, 3));
    const s1 = v128.xor(v128.xor(rotr(y, 17), rotr(y, 19)), i32x4.shr_u(y, 10));
    v128.store(XW + i, i32x4.add(i32x4.add(v128.load(XW + i - 256), s0), i32x4.add(v128.load(XW + i - 112), s1)));
  }
  let a = v128.load(XS), b = v128.load(XS, 16), c = v128.load(XS, 32), d = v128.load(XS, 48);
  let e = v128.load(XS, 64), f = v128.load(XS, 80), g = v128.load(XS, 96), h = v128.load(XS, 112);
  for (let i: usize = 0; i < 64; i++) {
    const s1 = v128.xor(v128.xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
    const kw = i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2))), v128.load(XW + (i << 4)));
    const t1 = i32x4.add(i32x4.add(h, s1), i32x4.add(v128.bitselect(f, g, e), kw));
    const s0 = v128.xor(v128.xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
    const t2 = i32x4.add(s0, v128.bitselect(b, a, v128.xor(a, c)));
    h = g; g = f; f = e; e = i32x4.add(d, t1); d = c; c = b; b = a; a = i32x4.add(t1, t2);
  }
  v128.store(XS, i32x4.add(v128.load(XS), a));
  v128.store(XS, i32x4.add(v128.load(XS, 16), b), 16);
  v128.store(XS, i32x4.add(v128.load(XS, 32), c), 32);
  v128.store(XS, i32x4.add(v128.load(XS, 48), d), 48);
  v128.store(XS, i32x4.add(v128.load(XS, 64), e), 64);
  v128.store(XS, i32x4.add(v128.load(XS, 80), f), 80);
  v128.store(XS, i32x4.add(v128.load(XS, 96), g), 96);
  v128.store(XS, i32x4.add(v128.load(XS, 112), h), 112);
}
