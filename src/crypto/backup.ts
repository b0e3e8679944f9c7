/**
 * Backup codes (docs/two-factor.md, "Stored state"): stored as HMAC-SHA-256 under a server key, found with a search that
 * reads every stored hash (assembly/backup.ts), so the time does not depend on which one matched.
 */
import { getCore } from "./core.js";
import { hmac, hmacToOut, wipeTempSlot } from "./hash.js";
import { ALGORITHM_ID, codeBytes, hashList, serverKey } from "./validate.js";

export function hashBackupCode(key: Uint8Array, code: string | Uint8Array): Uint8Array {
  return hmac("SHA-256", serverKey(key), codeBytes(code));
}

export function findBackupCode(key: Uint8Array, code: string | Uint8Array, hashes: readonly Uint8Array[]): number {
  serverKey(key);
  const data = codeBytes(code);
  hashList(hashes);
  const c = getCore();
  const perChunk = Math.floor(c.ioSize / 33); // 32 bytes per hash plus one validity byte
  let found = -1;
  let used = 0;
  try {
    // The MAC stays in OUT for findHash; only the IO bytes and the key state are wiped here.
    used = hmacToOut(c, ALGORITHM_ID["SHA-256"], key, data);
    c.u8.fill(0, c.io, c.io + used);
    wipeTempSlot(c);
    for (let base = 0; base < hashes.length; base += perChunk) {
      const n = Math.min(perChunk, hashes.length - base);
      for (let i = 0; i < n; i++) {
        const h = hashes[base + i];
        const ok = h.length === 32;
        if (ok) c.u8.set(h, c.io + i * 32);
        else c.u8.fill(0, c.io + i * 32, c.io + i * 32 + 32);
        c.u8[c.io + n * 32 + i] = ok ? 1 : 0;
      }
      const index = c.x.findHash(n);
      found = found < 0 && index >= 0 ? base + index : found;
      used = Math.max(used, n * 33);
      c.u8.fill(0, c.io, c.io + n * 33);
    }
  } finally {
    c.x.wipe(used);
    wipeTempSlot(c);
  }
  return found;
}
