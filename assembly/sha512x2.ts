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
  // Eight rounds per iteration with the roles of a..h rotating, so no values move between registers.
  for (let i: usize = 0; i < 80; i += 8) {
    h = i64x2.add(i64x2.add(h, v128.xor(v128.xor(rotr(e, 14), rotr(e, 18)), rotr(e, 41))), i64x2.add(v128.bitselect(f, g, e), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 0)), v128.load(XW + (i << 4), 0))));
    d = i64x2.add(d, h);
    h = i64x2.add(h, i64x2.add(v128.xor(v128.xor(rotr(a, 28), rotr(a, 34)), rotr(a, 39)), v128.bitselect(b, a, v128.xor(a, c))));
    g = i64x2.add(i64x2.add(g, v128.xor(v128.xor(rotr(d, 14), rotr(d, 18)), rotr(d, 41))), i64x2.add(v128.bitselect(e, f, d), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 8)), v128.load(XW + (i << 4), 16))));
    c = i64x2.add(c, g);
    g = i64x2.add(g, i64x2.add(v128.xor(v128.xor(rotr(h, 28), rotr(h, 34)), rotr(h, 39)), v128.bitselect(a, h, v128.xor(h, b))));
    f = i64x2.add(i64x2.add(f, v128.xor(v128.xor(rotr(c, 14), rotr(c, 18)), rotr(c, 41))), i64x2.add(v128.bitselect(d, e, c), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 16)), v128.load(XW + (i << 4), 32))));
    b = i64x2.add(b, f);
    f = i64x2.add(f, i64x2.add(v128.xor(v128.xor(rotr(g, 28), rotr(g, 34)), rotr(g, 39)), v128.bitselect(h, g, v128.xor(g, a))));
    e = i64x2.add(i64x2.add(e, v128.xor(v128.xor(rotr(b, 14), rotr(b, 18)), rotr(b, 41))), i64x2.add(v128.bitselect(c, d, b), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 24)), v128.load(XW + (i << 4), 48))));
    a = i64x2.add(a, e);
    e = i64x2.add(e, i64x2.add(v128.xor(v128.xor(rotr(f, 28), rotr(f, 34)), rotr(f, 39)), v128.bitselect(g, f, v128.xor(f, h))));
    d = i64x2.add(i64x2.add(d, v128.xor(v128.xor(rotr(a, 14), rotr(a, 18)), rotr(a, 41))), i64x2.add(v128.bitselect(b, c, a), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 32)), v128.load(XW + (i << 4), 64))));
    h = i64x2.add(h, d);
    d = i64x2.add(d, i64x2.add(v128.xor(v128.xor(rotr(e, 28), rotr(e, 34)), rotr(e, 39)), v128.bitselect(f, e, v128.xor(e, g))));
    c = i64x2.add(i64x2.add(c, v128.xor(v128.xor(rotr(h, 14), rotr(h, 18)), rotr(h, 41))), i64x2.add(v128.bitselect(a, b, h), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 40)), v128.load(XW + (i << 4), 80))));
    g = i64x2.add(g, c);
    c = i64x2.add(c, i64x2.add(v128.xor(v128.xor(rotr(d, 28), rotr(d, 34)), rotr(d, 39)), v128.bitselect(e, d, v128.xor(d, f))));
    b = i64x2.add(i64x2.add(b, v128.xor(v128.xor(rotr(g, 14), rotr(g, 18)), rotr(g, 41))), i64x2.add(v128.bitselect(h, a, g), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 48)), v128.load(XW + (i << 4), 96))));
    f = i64x2.add(f, b);
    b = i64x2.add(b, i64x2.add(v128.xor(v128.xor(rotr(c, 28), rotr(c, 34)), rotr(c, 39)), v128.bitselect(d, c, v128.xor(c, e))));
    a = i64x2.add(i64x2.add(a, v128.xor(v128.xor(rotr(f, 14), rotr(f, 18)), rotr(f, 41))), i64x2.add(v128.bitselect(g, h, f), i64x2.add(i64x2.splat(load<u64>(K512 + (i << 3), 56)), v128.load(XW + (i << 4), 112))));
    e = i64x2.add(e, a);
    a = i64x2.add(a, i64x2.add(v128.xor(v128.xor(rotr(b, 28), rotr(b, 34)), rotr(b, 39)), v128.bitselect(c, b, v128.xor(b, d))));
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
