/**
 * Test-only access to the WASM core (not part of `kernia/crypto`): choose the build before first use,
 * see which build is loaded, and count the non-zero bytes of the scratch region to check it is wiped.
 */
import { getCore, selectBuild } from "./core.js";

export { selectBuild };

export function loadedBuild(): "simd" | "scalar" {
  return getCore().simd ? "simd" : "scalar";
}

/** Number of non-zero bytes in the scratch region. */
export function scratchNonZero(): number {
  const c = getCore();
  let n = 0;
  for (let i = c.io; i < c.scratchEnd; i++) if (c.u8[i] !== 0) n++;
  return n;
}
