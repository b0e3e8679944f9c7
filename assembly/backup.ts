// Backup codes: stored as HMAC-SHA-256(serverKey, code) (DESIGN.md section 4); the MAC is computed with
// the HMAC path into OUT, then searched for among the stored hashes here.
import { IO, IO_SIZE, OUT } from "./layout";
import { ctDiff, isZero } from "./compare";

/**
 * Constant-time search of the 32-byte MAC at OUT among `n` stored hashes at IO (32 bytes each), followed
 * by `n` validity bytes (0 for a stored value of the wrong length). Every entry is compared, with no early
 * exit, so the time does not reveal which entry (if any) matched. Returns the first match or -1.
 */
export function findHash(n: i32): i32 {
  n = min(max(n, 0), IO_SIZE / 33);
  let found: i32 = -1;
  const flags = IO + <usize>(n * 32);
  for (let i = 0; i < n; i++) {
    const eq = isZero(ctDiff(IO + <usize>(i * 32), OUT, 32)) & <u32>load<u8>(flags + <usize>i);
    found = select<i32>(i, found, (eq & <u32>(found < 0)) != 0);
  }
  return found;
}
