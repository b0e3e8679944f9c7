// The memory contract of the embedded modules (DESIGN.md section 6), checked on the bytes that ship:
// no imports, under 24 KiB, exported memory that cannot grow, and the SIMD build really uses SIMD.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "../../src/crypto/wasm.generated.js";

for (const [name, base64] of [
  ["simd", SIMD_WASM_BASE64],
  ["scalar", SCALAR_WASM_BASE64],
] as const) {
  test(`${name} build: no imports, < 24 KiB, fixed memory`, () => {
    const bytes = Buffer.from(base64, "base64");
    assert.ok(bytes.length < 24 * 1024, `${bytes.length} bytes`);
    const module = new WebAssembly.Module(bytes);
    assert.deepEqual(WebAssembly.Module.imports(module), []);
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const size = memory.buffer.byteLength;
    assert.throws(() => memory.grow(1), RangeError, "maximum = initial, so growing fails");
    assert.equal(memory.buffer.byteLength, size);
    const memoryEnd = (instance.exports.memoryEnd as () => number)();
    assert.ok(memoryEnd <= size, `layout (${memoryEnd}) fits the fixed memory (${size})`);
    assert.equal((instance.exports.simd as () => number)(), name === "simd" ? 1 : 0);
  });
}

test("both builds export the same API", () => {
  const scalar = new WebAssembly.Module(Buffer.from(SCALAR_WASM_BASE64, "base64"));
  const simd = new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, "base64"));
  const names = (m: WebAssembly.Module): string[] => WebAssembly.Module.exports(m).map((e) => `${e.kind}:${e.name}`).sort();
  assert.deepEqual(names(scalar), names(simd));
});

test("assembly/sha1-unrolled.ts is what scripts/gen-sha1.mjs generates (no hand edits, no stale copy)", async () => {
  const { readFileSync } = await import("node:fs");
  // @ts-expect-error: a plain .mjs build script without type declarations
  const { generate } = (await import("../../scripts/gen-sha1.mjs")) as { generate(): string };
  const committed = readFileSync(new URL("../../assembly/sha1-unrolled.ts", import.meta.url), "utf8");
  assert.equal(committed, generate());
});
