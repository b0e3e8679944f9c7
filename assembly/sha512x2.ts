// Two independent SHA-512 compressions in the two i64 lanes of v128 (FIPS 180-4 6.4.2, lane-wise).
// State: 8 v128 at XS; schedule: W0..15 prefilled at XW (80 words used).
import { XS, XW } from "./layout";
import { K512 } from "./sha512";

// @ts-ignore: decorator
@inline function rotr(x: v128, n: i32): v128 {
  return v128.or(i64x2.shr_u(x, n), i64x2.shl(x, 64 - n));
}

export function sha512x2Compress(): void {
  for (let i: usize = 256; i < 1280; i += 16) {
    const x = v128.load(XW + i - 240);
    const y = v128.load(XW + i - 32);
    const s0 = v128.xor(v128.xor(rotr(x, 1), rotr(x, 8)), i64x2.shr_u(x, 7));
    const s1 = v128.xor(v128.xor(rotr(y, 19), rotr(y, 61)), i64x2.shr_u(y, 6));
    v128.store(XW + i, i64x2.add(i64x2.add(v128.load(XW + i - 256), s0), i64x2.add(v128.load(XW + i - 112), s1)));
  }
  let a = v128.load(XS), b = v128.load(XS, 16), c = v128.load(XS, 32), d = v128.load(XS, 48);
  let e = v128.load(XS, 64), f = v128.load(XS, 80), g = v128.load(XS, 96), h = v128.load(XS, 112);
  for (let i: usize = 0; i < 80; i++) {
    const s1 = v128.xor(v128.xor(rotr(e, 14), rotr(e, 18)), rotr(e, 41));
    const kw = i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3))), v128.load(XW + (i << 4)));
    const t1 = i64x2.add(i64x2.add(h, s1), i64x2.add(v128.bitselect(f, g, e), kw));
    const s0 = v128.xor(v128.xor(rotr(a, 28), rotr(a, 34)), rotr(a, 39));
    const t2 = i64x2.add(s0, v128.bitselect(b, a, v128.xor(a, c)));
    h = g; g = f; f = e; e = i64x2.add(d, t1); d = c; c = b; b = a; a = i64x2.add(t1, t2);
  }
  v128.store(XS, i64x2.add(v128.load(XS), a));
  v128.store(XS, i64x2.add(v128.load(XS, 16), b), 16);
  v128.store(XS, i64x2.add(v128.load(XS, 32), c), 32);
  v128.store(XS, i64x2.add(v128.load(XS, 48), d), 48);
  v128.store(XS, i64x2.add(v128.load(XS, 64), e), 64);
  v128.store(XS, i64x2.add(v128.load(XS, 80), f), 80);
  v128.store(XS, i64x2.add(v128.load(XS, 96), g), 96);
  v128.store(XS, i64x2.add(v128.load(XS, 112), h), 112);
}
