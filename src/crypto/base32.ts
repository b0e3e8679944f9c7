/**
 * Base32 (RFC 4648 section 6) over the WASM core (assembly/base32.ts), which maps characters without a
 * lookup table so a TOTP secret leaves no cache-timing trace. Long inputs stream through IO in chunks.
 */
import { getCore } from "./core.js";
import { base32Error, base32Text, bytes, padding } from "./validate.js";

const ENCODE_CHUNK = 20480; // bytes: a multiple of 5 whose 8/5 expansion (32768 chars) fills IO's upper half
const ENCODE_OUT = 32768; // where b32Encode writes its characters, from IO
const DECODE_CHUNK = 32768; // characters: a multiple of 8
const decoder = new TextDecoder();

export function base32Encode(data: Uint8Array, options?: { padding?: boolean }): string {
  bytes(data, "data");
  const pad = padding(options);
  const c = getCore();
  const u8 = c.u8;
  const io = c.io;
  let out = "";
  let inBytes = 0;
  let outChars = 0;
  try {
    // Input at IO, output at IO + ENCODE_OUT; b32Encode writes nothing else, so only those two ranges need wiping.
    for (let off = 0; off === 0 || off < data.length; off += ENCODE_CHUNK) {
      const n = Math.min(ENCODE_CHUNK, data.length - off);
      u8.set(data.subarray(off, off + n), io);
      inBytes = Math.max(inBytes, n);
      const chars = c.x.b32Encode(n, pad && off + n === data.length ? 1 : 0);
      outChars = Math.max(outChars, chars);
      out += decoder.decode(u8.subarray(io + ENCODE_OUT, io + ENCODE_OUT + chars));
    }
  } finally {
    u8.fill(0, io, io + inBytes);
    u8.fill(0, io + ENCODE_OUT, io + ENCODE_OUT + outChars);
  }
  return out;
}

/**
 * Case-insensitive (ASCII letters only). Trailing '=' padding is accepted (any amount) and not required;
 * '=' elsewhere, whitespace or any other character throws a RangeError naming its index (not the character: the text may be a secret).
 * Leftover bits that do not fill a byte are ignored, as in the reference port.
 */
export function base32Decode(text: string): Uint8Array {
  base32Text(text);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  const out = new Uint8Array(Math.floor((end * 5) / 8));
  const c = getCore();
  let written = 0;
  try {
    for (let off = 0; off < end; off += DECODE_CHUNK) {
      const n = Math.min(DECODE_CHUNK, end - off);
      for (let i = 0; i < n; i++) {
        const ch = text.charCodeAt(off + i);
        c.u8[c.io + i] = ch < 128 ? ch : 0; // outside ASCII: a byte the core rejects
      }
      const r = c.x.b32Decode(n);
      if (r < 0) throw base32Error(off - r - 1);
      out.set(c.u8.subarray(c.io, c.io + r), written);
      written += r;
      c.x.wipe(n);
    }
  } finally {
    c.x.wipe(Math.min(end, DECODE_CHUNK));
  }
  return out;
}
