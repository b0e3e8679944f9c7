/**
 * Test-only access to the WASM core (not part of `kernia/crypto`): choose the build before first use,
 * see which build is loaded, and read the scratch region to check it is wiped.
 */
import { getCore, selectBuild, type BuildChoice } from "./core.js";

export { selectBuild, type BuildChoice };

export function loadedBuild(): "simd" | "scalar" {
  return getCore().simd ? "simd" : "scalar";
}

/** A copy of the scratch region (everything except the long-lived key slots). */
export function scratchSnapshot(): Uint8Array {
  const c = getCore();
  return c.u8.slice(c.io, c.scratchEnd);
}

/** Number of non-zero bytes in the scratch region. */
export function scratchNonZero(): number {
  const c = getCore();
  let n = 0;
  for (let i = c.io; i < c.scratchEnd; i++) if (c.u8[i] !== 0) n++;
  return n;
}
