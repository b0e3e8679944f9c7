// Base32, RFC 4648 section 6 (alphabet A-Z 2-7). Characters are mapped arithmetically instead of through a
// lookup table, so secrets (TOTP keys are base32) do not leave a cache-timing trace.
// Both functions work on chunks in IO; the caller streams longer inputs in multiples of 5 bytes / 8 chars.
import { IO, IO_SIZE } from "./layout";

/** Maps 0..31 to 'A'..'Z' (65..90) and '2'..'7' (50..55). */
// @ts-ignore: decorator
@inline function encodeChar(v: i32): i32 {
  return v + 65 + (((25 - v) >> 31) & -41);
}

/** Encodes `len` bytes at IO into ASCII at IO + 32768; with `pad`, appends '=' up to a multiple of 8. */
export function b32Encode(len: i32, pad: i32): i32 {
  len = min(max(len, 0), 20480); // 20480 bytes encode to at most 32768 characters: the upper half of IO
  const out = IO + 32768;
  let o: usize = 0;
  let buffer: u32 = 0;
  let bits: i32 = 0;
  for (let i = 0; i < len; i++) {
    buffer = (buffer << 8) | <u32>load<u8>(IO + <usize>i);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      store<u8>(out + o++, encodeChar(<i32>((buffer >>> <u32>bits) & 31)));
    }
  }
  if (bits > 0) store<u8>(out + o++, encodeChar(<i32>((buffer << <u32>(5 - bits)) & 31)));
  if (pad) while ((o & 7) != 0) store<u8>(out + o++, 61);
  return <i32>o;
}

/**
 * Decodes `len` ASCII characters at IO (padding already stripped by the caller) into bytes written from
 * IO onward (the output never overtakes the input). Case-insensitive. Returns the byte count, or
 * -(i + 1) when character i is not in the alphabet. Trailing bits that do not fill a byte are dropped.
 */
export function b32Decode(len: i32): i32 {
  len = min(max(len, 0), IO_SIZE);
  let o: usize = 0;
  let buffer: u32 = 0;
  let bits: i32 = 0;
  let bad: i32 = -1;
  for (let i = 0; i < len; i++) {
    const c = <i32>load<u8>(IO + <usize>i);
    const upper = ~((c - 65) | (90 - c)) >> 31; // -1 when 'A'..'Z'
    const lower = ~((c - 97) | (122 - c)) >> 31; // -1 when 'a'..'z'
    const digit = ~((c - 50) | (55 - c)) >> 31; // -1 when '2'..'7'
    const v = (upper & (c - 65)) | (lower & (c - 97)) | (digit & (c - 24));
    if ((upper | lower | digit) == 0 && bad < 0) bad = i;
    buffer = (buffer << 5) | <u32>(v & 31);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(IO + o++, <u8>(buffer >>> <u32>bits));
    }
  }
  if (bad >= 0) {
    memory.fill(IO, 0, <usize>len);
    return -(bad + 1);
  }
  return <i32>o;
}
