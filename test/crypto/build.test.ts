// The memory contract of the embedded modules (docs/crypto-internals.md), checked on the bytes that ship:
// no imports, under 24 KiB, exported memory that cannot grow, and the SIMD build really uses SIMD; and the
// bytes are the ones the current sources build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64, SOURCE_DIGEST } from "../../src/crypto/wasm.generated.js";
import { SHA1_FILE, sourceDigest, wasmSources } from "../../scripts/build-wasm.mjs";
import { JOB_LAYOUT } from "../../src/crypto/jobs.js";

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
  const names = (m: WebAssembly.Module): string[] =>
    WebAssembly.Module.exports(m)
      .map((e) => `${e.kind}:${e.name}`)
      .sort();
  assert.deepEqual(names(scalar), names(simd));
});

// Generated code policy (scripts/build-wasm.mjs): the unrolled SHA-1 source and the embedded bytes are build
// output, never committed. What can go stale is the build in a working tree, so the bytes under test record a
// digest of the sources they were compiled from, and this recomputes it from the sources as they are now
// (the SHA-1 file as scripts/gen-sha1.mjs generates it now, not as it is on disk).
test("the embedded modules were built from the current assembly/ and scripts/gen-sha1.mjs", () => {
  assert.equal(SOURCE_DIGEST, sourceDigest(wasmSources()), "the build is stale: run `npm run build`");
});

test("the source digest covers every compile input: changing any one of them changes it", () => {
  const sources = wasmSources();
  const names = sources.map(([name]) => name);
  assert.ok(names.includes(`assembly/${SHA1_FILE}`) && names.includes("assembly/hotp.ts") && names.includes("asconfig.json"));
  const digest = sourceDigest(sources);
  for (let i = 0; i < sources.length; i++) {
    const changed = sources.map(([name, text], j): [string, string] => [name, j === i ? `${text} ` : text]);
    assert.notEqual(sourceDigest(changed), digest, `a change in ${sources[i][0]}`);
  }
});

test("generated files are not committed (they are build output, ignored by git)", (t) => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const git = (...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (git("rev-parse", "--is-inside-work-tree").stdout.trim() !== "true") return t.skip("not a git checkout");
  assert.equal(git("ls-files", "--", "*.generated.ts").stdout, "", "tracked generated files");
  for (const file of [`assembly/${SHA1_FILE}`, "src/crypto/wasm.generated.ts"]) {
    assert.equal(git("check-ignore", "-q", file).status, 0, `${file} is ignored`);
  }
});

test("src/crypto/jobs.ts and assembly/layout.ts define the same job-row layout", async () => {
  const { readFileSync } = await import("node:fs");
  const layout = readFileSync(new URL("../../assembly/layout.ts", import.meta.url), "utf8");
  const assembly: Record<string, number> = {};
  for (const [, name, value] of layout.matchAll(/^export const JOB_([A-Z_]+): i32 = (\d+);/gm)) assembly[name] = Number(value);
  assert.deepEqual(assembly, { ...JOB_LAYOUT }, "every JOB_* constant, and no other, with the same byte offset");
  const fields = Object.entries(JOB_LAYOUT).filter(([name]) => name !== "SIZE");
  for (const [name, offset] of fields) assert.ok(offset % 4 === 0 && offset + 4 <= JOB_LAYOUT.SIZE, `${name} is a u32 word in the row`);
  assert.equal(new Set(fields.map(([, offset]) => offset)).size, fields.length, "no two fields share a word");
});
