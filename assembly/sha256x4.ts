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
  // Eight rounds per iteration with the roles of a..h rotating, so no values move between registers.
  for (let i: usize = 0; i < 64; i += 8) {
    h = i32x4.add(i32x4.add(h, v128.xor(v128.xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25))), i32x4.add(v128.bitselect(f, g, e), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 0)), v128.load(XW + (i << 4), 0))));
    d = i32x4.add(d, h);
    h = i32x4.add(h, i32x4.add(v128.xor(v128.xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22)), v128.bitselect(b, a, v128.xor(a, c))));
    g = i32x4.add(i32x4.add(g, v128.xor(v128.xor(rotr(d, 6), rotr(d, 11)), rotr(d, 25))), i32x4.add(v128.bitselect(e, f, d), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 4)), v128.load(XW + (i << 4), 16))));
    c = i32x4.add(c, g);
    g = i32x4.add(g, i32x4.add(v128.xor(v128.xor(rotr(h, 2), rotr(h, 13)), rotr(h, 22)), v128.bitselect(a, h, v128.xor(h, b))));
    f = i32x4.add(i32x4.add(f, v128.xor(v128.xor(rotr(c, 6), rotr(c, 11)), rotr(c, 25))), i32x4.add(v128.bitselect(d, e, c), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 8)), v128.load(XW + (i << 4), 32))));
    b = i32x4.add(b, f);
    f = i32x4.add(f, i32x4.add(v128.xor(v128.xor(rotr(g, 2), rotr(g, 13)), rotr(g, 22)), v128.bitselect(h, g, v128.xor(g, a))));
    e = i32x4.add(i32x4.add(e, v128.xor(v128.xor(rotr(b, 6), rotr(b, 11)), rotr(b, 25))), i32x4.add(v128.bitselect(c, d, b), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 12)), v128.load(XW + (i << 4), 48))));
    a = i32x4.add(a, e);
    e = i32x4.add(e, i32x4.add(v128.xor(v128.xor(rotr(f, 2), rotr(f, 13)), rotr(f, 22)), v128.bitselect(g, f, v128.xor(f, h))));
    d = i32x4.add(i32x4.add(d, v128.xor(v128.xor(rotr(a, 6), rotr(a, 11)), rotr(a, 25))), i32x4.add(v128.bitselect(b, c, a), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 16)), v128.load(XW + (i << 4), 64))));
    h = i32x4.add(h, d);
    d = i32x4.add(d, i32x4.add(v128.xor(v128.xor(rotr(e, 2), rotr(e, 13)), rotr(e, 22)), v128.bitselect(f, e, v128.xor(e, g))));
    c = i32x4.add(i32x4.add(c, v128.xor(v128.xor(rotr(h, 6), rotr(h, 11)), rotr(h, 25))), i32x4.add(v128.bitselect(a, b, h), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 20)), v128.load(XW + (i << 4), 80))));
    g = i32x4.add(g, c);
    c = i32x4.add(c, i32x4.add(v128.xor(v128.xor(rotr(d, 2), rotr(d, 13)), rotr(d, 22)), v128.bitselect(e, d, v128.xor(d, f))));
    b = i32x4.add(i32x4.add(b, v128.xor(v128.xor(rotr(g, 6), rotr(g, 11)), rotr(g, 25))), i32x4.add(v128.bitselect(h, a, g), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 24)), v128.load(XW + (i << 4), 96))));
    f = i32x4.add(f, b);
    b = i32x4.add(b, i32x4.add(v128.xor(v128.xor(rotr(c, 2), rotr(c, 13)), rotr(c, 22)), v128.bitselect(d, c, v128.xor(c, e))));
    a = i32x4.add(i32x4.add(a, v128.xor(v128.xor(rotr(f, 6), rotr(f, 11)), rotr(f, 25))), i32x4.add(v128.bitselect(g, h, f), i32x4.add(i32x4.splat(load<u32>(K256 + (i << 2), 28)), v128.load(XW + (i << 4), 112))));
    e = i32x4.add(e, a);
    a = i32x4.add(a, i32x4.add(v128.xor(v128.xor(rotr(b, 2), rotr(b, 13)), rotr(b, 22)), v128.bitselect(c, b, v128.xor(b, d))));
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
