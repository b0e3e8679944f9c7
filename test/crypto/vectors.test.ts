// The vector suite (test/crypto/suite.ts) on both ports in Node: the WASM core and the node:crypto reference.
import { describe, test } from "node:test";
import { wasmCrypto } from "../../src/crypto/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { loadedBuild } from "../../src/crypto/internal.js";
import { coreSuite } from "./suite.js";

for (const [name, impl] of [
  ["wasm core", wasmCrypto],
  ["node:crypto reference", nodeCrypto],
] as const) {
  describe(`vector suite: ${name}`, () => {
    for (const check of coreSuite(impl)) test(check.name, () => check.run());
  });
}

test("the SIMD build is the one loaded in Node 20", () => {
  // V8 in Node 20 supports fixed-width SIMD, so WebAssembly.validate picks the SIMD build.
  if (loadedBuild() !== "simd") throw new Error(`expected the simd build, got ${loadedBuild()}`);
});
