// The public surface of kernia/crypto (src/crypto/index.ts): exactly the documented named exports, and
// `wasmCrypto` is a CryptoPort made of those same functions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../src/crypto/index.js";

const FUNCTIONS = [
  "base32Decode",
  "base32Encode",
  "findBackupCode",
  "hashBackupCode",
  "hmac",
  "hotp",
  "prepareKey",
  "sha1",
  "sha256",
  "sha512",
  "timingSafeEqual",
  "totp",
  "verifyTotp",
  "verifyTotpBatch",
];

test("kernia/crypto exports the documented functions and wasmCrypto, nothing else", () => {
  assert.deepEqual(Object.keys(api).sort(), [...FUNCTIONS, "wasmCrypto"].sort());
  assert.deepEqual(Object.keys(api.wasmCrypto).sort(), FUNCTIONS);
  for (const name of FUNCTIONS) {
    const fn = (api as unknown as Record<string, unknown>)[name];
    assert.equal(typeof fn, "function", name);
    assert.equal(fn, (api.wasmCrypto as unknown as Record<string, unknown>)[name], `${name} is the port's function`);
  }
});

test("importing kernia/crypto does not instantiate the core; first use does", async () => {
  // The module loads lazily (docs/crypto.md): a fresh import in a child process must not touch
  // WebAssembly until a function is called.
  const { spawnSync } = await import("node:child_process");
  const script = `
    let instantiated = 0;
    const Real = WebAssembly.Instance;
    WebAssembly.Instance = function (...args) { instantiated++; return new Real(...args); };
    const api = await import(${JSON.stringify(new URL("../../src/crypto/index.ts", import.meta.url).href)});
    const before = instantiated;
    api.sha256(new Uint8Array(1));
    api.sha1(new Uint8Array(1));
    console.log(JSON.stringify({ before, after: instantiated }));
  `;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.trim()), { before: 0, after: 1 });
});
