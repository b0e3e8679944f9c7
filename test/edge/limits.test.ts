/**
 * Issue 11 item 5: bounded inputs. Every free-text field has a length cap answered with Better Auth's
 * 400 VALIDATION_ERROR wording before any work is done, and JSON bodies nested past the depth limit are
 * refused with a 400 (the hostile-body timing lives in bench/hostile-body.ts, not here).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import request from "supertest";
import { expressApp } from "../helpers/server.js";
import { BASE_URL, ORIGIN, testAuth } from "../helpers/auth.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { checkJsonDepth, JsonTooDeep } from "../../src/auth/json.js";
import { DEFAULT_FIELD_LIMITS, DEFAULT_STRING_LENGTH } from "../../src/auth/limits.js";
import type { Kernia } from "../../src/auth/types.js";

function post(auth: Kernia, path: string, body: string | object): Promise<Response> {
  return auth.handler(
    new Request(`${BASE_URL}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

const valid = { name: "N", email: "n@example.com", password: "password1234" };

describe("field length caps", () => {
  const auth = testAuth({ plugins: [username(), phoneNumber(), twoFactor()] });

  test("1 MiB-class name, image, displayUsername, username, phoneNumber, email, callbackURL: 400, nothing stored", async () => {
    const big = "a".repeat(300_000);
    const cases: [string, Record<string, unknown>][] = [
      ["name", { ...valid, name: big }],
      ["image", { ...valid, image: `https://example.com/${big}` }],
      ["displayUsername", { ...valid, username: "someone", displayUsername: big }],
      ["username", { ...valid, username: big }],
      ["phoneNumber", { ...valid, phoneNumber: `+1${"5".repeat(100)}` }],
      ["email", { ...valid, email: `${"a".repeat(250)}@example.com` }],
      ["callbackURL", { ...valid, callbackURL: `/${big}` }],
    ];
    for (const [field, body] of cases) {
      const res = await post(auth, "/sign-up/email", body);
      assert.equal(res.status, 400, field);
      const json = await res.json();
      assert.equal(json.code, "VALIDATION_ERROR", field);
      assert.equal(json.message, `[body.${field}] Too big: expected string to have <=${DEFAULT_FIELD_LIMITS[field]} characters`);
    }
    assert.equal(await auth.context.store.count("user", []), 0);
  });

  test("at the cap is accepted (name of exactly 256 characters)", async () => {
    const res = await post(auth, "/sign-up/email", { ...valid, name: "n".repeat(256) });
    assert.equal(res.status, 200);
  });

  test("plugin fields and unnamed fields: codes, issuer and every other string have a cap", async () => {
    const code = await post(auth, "/two-factor/verify-totp", { code: "1".repeat(65) });
    assert.equal(code.status, 400);
    assert.equal((await code.json()).message, "[body.code] Too big: expected string to have <=64 characters");
    const login = await post(auth, "/sign-in/username", { username: "x".repeat(257), password: "p" });
    assert.equal(login.status, 400);
    const phone = await post(auth, "/sign-in/phone-number", { phoneNumber: "1".repeat(65), password: "p" });
    assert.equal(phone.status, 400);
    assert.equal(DEFAULT_STRING_LENGTH, 1024);
  });

  test("passwords keep their own rule (PASSWORD_TOO_LONG), not a validation cap", async () => {
    const res = await post(auth, "/sign-up/email", { ...valid, email: "p@example.com", password: "p".repeat(5000) });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, "PASSWORD_TOO_LONG");
  });

  test("configurable under advanced.limits; bad values are init errors", async () => {
    const tight = testAuth({ advanced: { limits: { fields: { name: 10 }, defaultStringLength: 20 } } });
    assert.equal((await post(tight, "/sign-up/email", { ...valid, name: "n".repeat(11) })).status, 400);
    assert.equal((await post(tight, "/sign-up/email", { ...valid, name: "n".repeat(10) })).status, 200);
    assert.throws(() => testAuth({ advanced: { limits: { fields: { name: 0 } } } }), /limits\.fields\.name must be a positive integer/);
    assert.throws(() => testAuth({ advanced: { limits: { maxJsonDepth: 1.5 } } }), /maxJsonDepth/);
  });
});

describe("JSON nesting depth", () => {
  const auth = testAuth();
  const app = expressApp(auth);

  test("a 1 MiB [[[[... body: 400 BAD_REQUEST, through auth.handler and Express", async () => {
    const hostile = "[".repeat(1024 * 1024 - 16);
    const res = await post(auth, "/sign-in/email", hostile);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { message: "JSON in request body is nested deeper than 32 levels", code: "BAD_REQUEST" });
    const viaExpress = await request(app)
      .post("/api/auth/sign-in/email")
      .set("content-type", "application/json")
      .send('{"a":' + "{".repeat(500_000));
    assert.equal(viaExpress.status, 400);
    assert.equal(viaExpress.body.code, "BAD_REQUEST");
  });

  test("32 levels pass the depth check, 33 do not; brackets inside strings do not count", async () => {
    const nest = (n: number) => "[".repeat(n - 1) + "{}" + "]".repeat(n - 1);
    assert.doesNotThrow(() => checkJsonDepth(nest(32), 32));
    assert.throws(() => checkJsonDepth(nest(33), 32), JsonTooDeep);
    assert.doesNotThrow(() => checkJsonDepth(JSON.stringify({ name: "[".repeat(1000) + '\\"{{{' }), 2));
    const res = await post(auth, "/sign-up/email", { ...valid, name: "[{".repeat(100) });
    assert.equal(res.status, 200);
    const deep = await post(auth, "/sign-in/email", { email: "a@example.com", password: "x", extra: JSON.parse(nest(40)) });
    assert.equal(deep.status, 400);
    assert.equal((await deep.json()).message, "JSON in request body is nested deeper than 32 levels");
  });
});

describe("JSON depth scan, against JSON.parse", () => {
  test("agrees with the true nesting depth on strings, escapes and brackets inside strings", () => {
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
    const samples = [
      { a: '\\"[[[', b: ["x\\", { c: "]]]}}}" }] },
      ['"', "\\", '\\"[', [[["\u00e9\u4e2d\u{1F600}"]]]],
      { s: "\\".repeat(1001) + "[", t: [{}, [], [[{}]]] },
      "plain",
      42,
    ];
    for (const v of samples) {
      const text = JSON.stringify(v);
      const d = depthOf(v);
      assert.doesNotThrow(() => checkJsonDepth(text, Math.max(d, 1)), text);
      if (d > 1) assert.throws(() => checkJsonDepth(text, d - 1), JsonTooDeep, text);
    }
  });
});
