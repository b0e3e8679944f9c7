// Constant-time equality: every byte is read and folded into one accumulator, no data-dependent branch,
// so the time depends only on the (public) length, not on where the inputs first differ.

/** Returns 0 when the `len` bytes at `a` and `b` are equal, else a non-zero value. */
export function ctDiff(a: usize, b: usize, len: i32): u32 {
  let acc: u64 = 0;
  let i: usize = 0;
  const n = <usize>len;
  for (; i + 8 <= n; i += 8) acc |= load<u64>(a + i) ^ load<u64>(b + i);
  for (; i < n; i++) acc |= <u64>(load<u8>(a + i) ^ load<u8>(b + i));
  return <u32>((acc | (acc >> 32)) & 0xffffffff) | <u32>(acc != 0);
}

/** 1 when `x` is zero, else 0, without a branch. */
// @ts-ignore: decorator
@inline export function isZero(x: u32): u32 {
  return ((x | (0 - x)) >>> 31) ^ 1;
}
