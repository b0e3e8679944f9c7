/** The phoneNumber plugin: E.164 phone numbers at sign-up, POST /sign-in/phone-number. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import request from "supertest";
import { expressApp } from "../helpers/server.js";
import { ORIGIN, testAuth } from "../helpers/auth.js";
import { setCookieLines } from "../helpers/cookie-jar.js";
import { phoneNumber, PHONE_NUMBER_ERROR_CODES } from "../../src/plugins/phone-number/index.js";

function setup(options?: Parameters<typeof phoneNumber>[0]) {
  const auth = testAuth({ plugins: [phoneNumber(options)] });
  return { auth, app: expressApp(auth) };
}

const up = (app: ReturnType<typeof expressApp>, extra: object = {}) =>
  request(app)
    .post("/api/auth/sign-up/email")
    .set("origin", ORIGIN)
    .send({ name: "P", email: "p@example.com", password: "password1234", phoneNumber: "+14155550123", ...extra });
const signIn = (app: ReturnType<typeof expressApp>, body: object) =>
  request(app).post("/api/auth/sign-in/phone-number").set("origin", ORIGIN).send(body);

describe("phoneNumber plugin", () => {
  test("sign-up stores the number, phoneNumberVerified false by default", async () => {
    const { app } = setup();
    const res = await up(app);
    assert.equal(res.status, 200);
    assert.equal(res.body.user.phoneNumber, "+14155550123");
    assert.equal(res.body.user.phoneNumberVerified, false);
    assert.deepEqual(Object.keys(res.body.user).slice(-3), ["phoneNumber", "phoneNumberVerified", "id"]);
  });

  test("sign-up without a number: phoneNumber null (Better Auth's SQL shape)", async () => {
    const { app } = setup();
    const res = await up(app, { phoneNumber: undefined });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.phoneNumber, null);
  });

  test("invalid E.164 -> 400 INVALID_PHONE_NUMBER; duplicate -> 400 PHONE_NUMBER_EXIST; nothing written", async () => {
    const { auth, app } = setup();
    for (const bad of ["4155550123", "+0123456", "+1", "+1234567890123456", "+1 415 555 0123", ""]) {
      const res = await up(app, { phoneNumber: bad });
      assert.equal(res.status, 400, bad);
      assert.deepEqual(res.body, { message: "Invalid phone number", code: "INVALID_PHONE_NUMBER" });
    }
    assert.equal(await auth.context.store.count("user", []), 0);
    await up(app);
    const dup = await up(app, { email: "q@example.com" });
    assert.equal(dup.status, 400);
    assert.deepEqual(dup.body, { message: PHONE_NUMBER_ERROR_CODES.PHONE_NUMBER_EXIST, code: "PHONE_NUMBER_EXIST" });
    assert.equal(await auth.context.store.count("user", []), 1);
  });

  test("concurrent sign-ups with one number: one wins, the rest get PHONE_NUMBER_EXIST", async () => {
    const { auth, app } = setup();
    const results = await Promise.all([1, 2, 3, 4].map((i) => up(app, { email: `p${i}@example.com` })));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.code, "PHONE_NUMBER_EXIST");
    assert.equal(await auth.context.store.count("user", []), 1);
    assert.equal(await auth.context.store.count("account", []), 1);
  });

  test("sign-in: {token,user} + cookie; rememberMe:false gives dont_remember", async () => {
    const { app } = setup();
    await up(app);
    const res = await signIn(app, { phoneNumber: "+14155550123", password: "password1234" });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["token", "user"]);
    assert.equal(res.body.user.phoneNumber, "+14155550123");
    assert.match(setCookieLines(res)[0], /^better-auth\.session_token=[^;]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
    const short = await signIn(app, { phoneNumber: "+14155550123", password: "password1234", rememberMe: false });
    assert.equal(setCookieLines(short).length, 2);
    assert.match(setCookieLines(short)[1], /^better-auth\.dont_remember=true\./);
  });

  test("sign-in errors: wrong password / unknown number 401, malformed number 400", async () => {
    const { app } = setup();
    await up(app);
    const wrong = await signIn(app, { phoneNumber: "+14155550123", password: "wrong-password" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { message: "Invalid phone number or password", code: "INVALID_PHONE_NUMBER_OR_PASSWORD" });
    const unknown = await signIn(app, { phoneNumber: "+14155550999", password: "password1234" });
    assert.deepEqual(unknown.body, wrong.body);
    const bad = await signIn(app, { phoneNumber: "555", password: "password1234" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: "Invalid phone number", code: "INVALID_PHONE_NUMBER" });
    const missing = await signIn(app, { phoneNumber: "+14155550123" });
    assert.deepEqual(missing.body, {
      message: "[body.password] Invalid input: expected string, received undefined",
      code: "VALIDATION_ERROR",
    });
  });

  test("requireVerification: unverified numbers cannot sign in; a custom validator replaces E.164", async () => {
    const { app } = setup({ requireVerification: true, phoneNumberValidator: (p) => /^\d{3}$/.test(p) });
    await up(app, { phoneNumber: "555" });
    const res = await signIn(app, { phoneNumber: "555", password: "password1234" });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Phone number not verified", code: "PHONE_NUMBER_NOT_VERIFIED" });
  });
});
