/**
 * The core's small primitives: cookie signing (the spec's worked example, re-derived with node:crypto),
 * cookie parsing, scrypt password hashes interoperating with better-auth's own, random ids, and the
 * zod-wording validator.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { hashPassword as baHash, verifyPassword as baVerify } from "better-auth/crypto";
import { parseCookieHeader, serializeSetCookie, signCookieValue, verifyCookieValue } from "../../src/auth/cookies.js";
import { hashPassword, verifyPassword } from "../../src/auth/password.js";
import { ALPHANUMERIC, generateId, randomString } from "../../src/auth/random.js";
import { validateInput } from "../../src/auth/validate.js";
import { matchesOriginPattern } from "../../src/auth/origin.js";
import { wasmCrypto } from "../../src/crypto/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { testAuth, WIRE_SECRET } from "../helpers/auth.js";

const enc = new TextEncoder();
const equal = (a: Uint8Array, b: Uint8Array) => nodeCrypto.timingSafeEqual(a, b);

describe("signed cookies (wire spec 2.2)", () => {
  for (const [name, port] of [
    ["wasm", wasmCrypto],
    ["node", nodeCrypto],
  ] as const) {
    test(`worked example through the ${name} crypto port`, () => {
      const hmac = (data: string) => port.hmac("SHA-256", enc.encode(WIRE_SECRET), enc.encode(data));
      const token = "3g2zOxIviviCRZ94ln2qWVRSnaSh1Qc5";
      assert.equal(Buffer.from(hmac(token)).toString("hex"), "95772aaca88565f91e30b4551e24e1aea56f1f94cb493e68b1c5d7ad94f53161");
      assert.equal(signCookieValue(token, hmac), "3g2zOxIviviCRZ94ln2qWVRSnaSh1Qc5.lXcqrKiFZfkeMLRVHiThrqVvH5TLST5oscXXrZT1MWE%3D");
      assert.equal(signCookieValue("true", hmac), "true.DIvdJGxntD5XL0lHvVBuQEJwntruC8AcSN0xOVLhFfA%3D");
      assert.equal(
        signCookieValue("2fa-Z0DGpp2YRznEEAGmgGDB", hmac),
        "2fa-Z0DGpp2YRznEEAGmgGDB.zqvTBNip3VE%2B35C%2Fel%2FGLA1nTfWj1tmDS%2BKI%2BTIopPc%3D",
      );
    });
  }

  test("the context's hmacSecret matches node:crypto's HMAC and the T#1 cookie", () => {
    const auth = testAuth();
    const t1 = "I5NYApZ8QpJpdK58nFuQgyiX2S0MVLgp";
    assert.equal(
      signCookieValue(t1, auth.context.hmacSecret),
      "I5NYApZ8QpJpdK58nFuQgyiX2S0MVLgp.1bpYSdIodhjrSPP%2FSUOWODKh2duDxcXl9vy%2BDhPYF1c%3D",
    );
    assert.deepEqual(Buffer.from(auth.context.hmacSecret("x")), createHmac("sha256", WIRE_SECRET).update("x").digest());
  });

  test("verify: accepts the right signature, rejects tampering, truncation and bad shapes", () => {
    const hmac = (d: string) => nodeCrypto.hmac("SHA-256", enc.encode(WIRE_SECRET), enc.encode(d));
    const good = decodeURIComponent(signCookieValue("value.with.dots", hmac));
    assert.equal(verifyCookieValue(good, hmac, equal), "value.with.dots");
    const sig = good.slice(good.lastIndexOf(".") + 1);
    const flipped = good.slice(0, -2) + (good.at(-2) === "A" ? "B" : "A") + "=";
    assert.equal(verifyCookieValue(flipped, hmac, equal), null);
    assert.equal(verifyCookieValue("other" + good.slice(good.indexOf(".")), hmac, equal), null); // value swapped
    assert.equal(verifyCookieValue(good.slice(0, -1), hmac, equal), null); // 43-char signature
    assert.equal(verifyCookieValue(`.${sig}`, hmac, equal), null); // empty value
    assert.equal(verifyCookieValue("novalue", hmac, equal), null);
    assert.equal(verifyCookieValue(`v.${"é".repeat(43)}=`, hmac, equal), null);
  });

  test("parse: first occurrence wins, quotes stripped, %-decoding only with a %, junk tolerated", () => {
    const m = parseCookieHeader('a=1; b="q%3D"; a=2; junk; c=%E0%A4%A; d=x=y');
    assert.equal(m.get("a"), "1");
    assert.equal(m.get("b"), "q=");
    assert.equal(m.get("c"), "%E0%A4%A"); // undecodable: kept as is
    assert.equal(m.get("d"), "x=y");
    assert.equal(parseCookieHeader(null).size, 0);
  });

  test("Set-Cookie attribute order: Max-Age, Path, HttpOnly, Secure, SameSite", () => {
    assert.equal(
      serializeSetCookie({ name: "n", value: "v", maxAge: 10 }, true),
      "n=v; Max-Age=10; Path=/; HttpOnly; Secure; SameSite=Lax",
    );
    assert.equal(serializeSetCookie({ name: "n", value: "v" }, false), "n=v; Path=/; HttpOnly; SameSite=Lax");
    assert.equal(serializeSetCookie({ name: "n", value: "", maxAge: 0 }, false), "n=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
  });
});

describe("passwords: scrypt interoperable with better-auth", () => {
  test("a better-auth hash verifies with ours, and ours with better-auth's", async () => {
    const password = "pässwörd ﬁ 1234"; // NFKC changes "ﬁ" -> "fi": both sides must normalise
    const theirs = await baHash(password);
    assert.equal(await verifyPassword(theirs, password, equal), true);
    assert.equal(await verifyPassword(theirs, "wrong", equal), false);
    const ours = await hashPassword(password);
    assert.match(ours, /^[0-9a-f]{32}:[0-9a-f]{128}$/);
    assert.equal(await baVerify({ hash: ours, password }), true);
    assert.equal(await baVerify({ hash: ours, password: "pässwörd fi 1234" }), true);
    assert.equal(await baVerify({ hash: ours, password: "wrong" }), false);
  });

  test("malformed stored values are a mismatch, not an error", async () => {
    for (const stored of ["", "nosep", ":abc", "salt:zz", `salt:${"ab".repeat(10)}`]) {
      assert.equal(await verifyPassword(stored, "x", equal), false, stored);
    }
  });
});

describe("random ids", () => {
  test("32 chars of [A-Za-z0-9], distinct", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = generateId();
      assert.match(id, /^[A-Za-z0-9]{32}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 1000);
  });

  test("rejection sampling: every symbol of a 62-char alphabet appears about equally (chi-square)", () => {
    const n = 62 * 2000;
    const s = randomString(n, ALPHANUMERIC);
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 62);
    const expected = n / 62;
    let chi = 0;
    for (const c of counts.values()) chi += (c - expected) ** 2 / expected;
    // 61 degrees of freedom: P(chi2 > 120) < 1e-5. A modulo-biased mapping (256 mod 62 = 8 favoured
    // symbols at 5/4 the rate) gives chi2 about 800 at this sample size.
    assert.ok(chi < 120, `chi-square ${chi.toFixed(1)}`);
  });

  test("rejects bad arguments", () => {
    assert.throws(() => randomString(-1, "ab"), RangeError);
    assert.throws(() => randomString(4, "a"), RangeError);
  });
});

describe("validation messages (zod 4 wording)", () => {
  const schema = {
    code: { type: "string" },
    method: { type: "enum", values: ["otp", "totp"], optional: true },
    trustDevice: { type: "boolean", optional: true },
    email: { type: "string", email: true, optional: true },
  } as const;

  test("missing, wrong types, enum, email", () => {
    const msg = (input: unknown) => {
      try {
        validateInput(schema, input, "body");
        return "ok";
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(msg({}), "[body.code] Invalid input: expected string, received undefined");
    assert.equal(msg({ code: 123456 }), "[body.code] Invalid input: expected string, received number");
    assert.equal(msg({ code: null }), "[body.code] Invalid input: expected string, received null");
    assert.equal(msg({ code: ["1"] }), "[body.code] Invalid input: expected string, received array");
    assert.equal(msg({ code: "1", method: "sms" }), '[body.method] Invalid option: expected one of "otp"|"totp"');
    assert.equal(msg({ code: "1", trustDevice: "yes" }), "[body.trustDevice] Invalid input: expected boolean, received string");
    assert.equal(msg({ code: "1", email: "a@b" }), "[body.email] Invalid email address");
    assert.equal(msg([1]), "[body] Invalid input: expected object, received array");
    assert.equal(msg(null), "[body] Invalid input: expected object, received null");
    assert.equal(msg(7), "[body] Invalid input: expected object, received number");
  });

  test("unknown fields dropped; all-optional schema accepts an absent body", () => {
    assert.deepEqual(validateInput(schema, { code: "1", extra: true, __proto__: { x: 1 } }, "body"), { code: "1" });
    assert.deepEqual(validateInput({ a: { type: "string", optional: true } }, undefined, "body"), {});
  });
});

describe("trusted origin patterns", () => {
  test("exact, wildcard host, wildcard with scheme, IPv4 ranges, relative paths", () => {
    assert.ok(matchesOriginPattern("http://localhost:3000", "http://localhost:3000"));
    assert.ok(matchesOriginPattern("http://localhost:3000/some/page", "http://localhost:3000"));
    assert.ok(!matchesOriginPattern("http://localhost:3001", "http://localhost:3000"));
    assert.ok(matchesOriginPattern("https://a.example.com", "*.example.com"));
    assert.ok(!matchesOriginPattern("https://example.org", "*.example.com"));
    assert.ok(matchesOriginPattern("https://a.example.com", "https://*.example.com"));
    assert.ok(!matchesOriginPattern("http://a.example.com", "https://*.example.com"));
    assert.ok(matchesOriginPattern("http://192.168.1.20", "http://192.168.*.*"));
    assert.ok(!matchesOriginPattern("http://192.168.evil.com", "http://192.168.*"));
    assert.ok(matchesOriginPattern("/dashboard?x=1", "http://x", true));
    assert.ok(!matchesOriginPattern("//evil.com", "http://x", true));
    assert.ok(!matchesOriginPattern("/%2F%2Fevil.com", "http://x", true));
    assert.ok(!matchesOriginPattern("/dashboard", "http://x", false));
  });
});
