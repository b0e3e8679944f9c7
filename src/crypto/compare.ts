/** Constant-time comparison over the WASM core (assembly/compare.ts). */
import { getCore } from "./core.js";
import { bytes } from "./validate.js";

/** True when `a` and `b` hold the same bytes; for equal lengths the time depends on the length only. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  bytes(a, "a");
  bytes(b, "b");
  if (a.length !== b.length) return false;
  const c = getCore();
  const half = c.ioSize >>> 1;
  const u8 = c.u8;
  const io = c.io;
  let diff = 0;
  let used = 0;
  try {
    // Each chunk of `a` at IO with the same chunk of `b` right after it; only those 2n bytes need wiping
    // (ctDiff writes nothing else), so a 32-byte compare clears 64 bytes, not the whole IO buffer.
    for (let off = 0; off < a.length; off += half) {
      const n = Math.min(half, a.length - off);
      u8.set(n === a.length ? a : a.subarray(off, off + n), io);
      u8.set(n === b.length ? b : b.subarray(off, off + n), io + n);
      diff |= c.x.ctDiff(io, io + n, n);
      if (2 * n > used) used = 2 * n;
    }
  } finally {
    u8.fill(0, io, io + used);
  }
  return diff === 0;
}
