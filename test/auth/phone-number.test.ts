/** The phoneNumber plugin: E.164 phone numbers at sign-up, POST /sign-in/phone-number. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import request from "supertest";
import { expressApp } from "../helpers/server.js";
import { ORIGIN, testAuth } from "../helpers/auth.js";
import { setCookieLines } from "../helpers/cookie-jar.js";
import { phoneNumber, PHONE_NUMBER_ERROR_CODES } from "../../src/plugins/phone-number/index.js";
import { MongoClient } from "mongodb";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { indexesFor, servingIndex } from "../../src/adapters/mongodb-schema.js";
import { buildSchema } from "../../src/auth/schema.js";
import { HOUSEKEEPING, WireServer } from "../store/wire-server.js";

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

  test("sign-up without a number: phoneNumber and phoneNumberVerified null, neither stored (Better Auth's SQL shape)", async () => {
    const { auth, app } = setup();
    const res = await up(app, { phoneNumber: undefined });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.phoneNumber, null);
    // Better Auth's schema has no default for it and its create hook writes false only with a number.
    assert.equal(res.body.user.phoneNumberVerified, null);
    assert.deepEqual(Object.keys(res.body.user).slice(-3), ["phoneNumber", "phoneNumberVerified", "id"]);
    const stored = await auth.context.store.findOne("user", [{ field: "id", value: res.body.user.id }]);
    assert.ok(stored !== null);
    assert.equal("phoneNumber" in stored, false);
    assert.equal("phoneNumberVerified" in stored, false);
    const session = await request(app).get("/api/auth/get-session").set("cookie", setCookieLines(res)[0].split(";")[0]);
    assert.equal(session.body.user.phoneNumberVerified, null);
  });

  test("a phoneNumberVerified the client sends is never taken: false with a number, null without", async () => {
    const { auth, app } = setup();
    const withNumber = await up(app, { phoneNumberVerified: true });
    assert.equal(withNumber.status, 200);
    assert.equal(withNumber.body.user.phoneNumberVerified, false);
    const without = await up(app, { email: "q@example.com", phoneNumber: undefined, phoneNumberVerified: true });
    assert.equal(without.status, 200);
    assert.equal(without.body.user.phoneNumberVerified, null);
    const rows = await auth.context.store.findMany("user", []);
    assert.deepEqual(rows.map((r) => r.phoneNumberVerified).sort(), [false, undefined]);
    // Not a boolean: a 400 naming the field, nothing written (Better Auth also refuses it, FIELD_NOT_ALLOWED).
    const bad = await up(app, { email: "r@example.com", phoneNumber: "+14155550199", phoneNumberVerified: "yes" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      message: "[body.phoneNumberVerified] Invalid input: expected boolean, received string",
      code: "VALIDATION_ERROR",
    });
    assert.equal(await auth.context.store.count("user", []), 2);
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

  test("MongoDB: the stored documents carry phoneNumberVerified only with a number; lookups use the partial index", async () => {
    const plugins = [phoneNumber()];
    const server = new WireServer(buildSchema(plugins), Date.now);
    const client = new MongoClient(await server.start(), { heartbeatFrequencyMS: 60_000 });
    try {
      const auth = testAuth({ plugins, database: mongodbAdapter(client.db("kernia")) });
      const app = expressApp(auth);
      const from = server.recorded.length;
      assert.equal((await up(app)).status, 200);
      assert.equal((await up(app, { email: "q@example.com", phoneNumber: undefined, phoneNumberVerified: true })).status, 200);
      const sent = server.recorded.slice(from).filter((r) => !HOUSEKEEPING.has(r.name));
      const inserted = sent
        .filter((r) => r.name === "insert" && r.collection === "user")
        .flatMap((r) => r.command.documents as Record<string, unknown>[]);
      assert.deepEqual(
        inserted.map((d) => [d.email, d.phoneNumber, d.phoneNumberVerified, "phoneNumberVerified" in d]),
        [
          ["p@example.com", "+14155550123", false, true],
          ["q@example.com", undefined, undefined, false],
        ],
      );
      // The duplicate check filters on phoneNumber with the $type the partial unique index needs.
      const plans = indexesFor(buildSchema(plugins).user);
      const lookups = sent.filter((r) => r.name === "find" && r.collection === "user" && "phoneNumber" in (r.command.filter ?? {}));
      assert.equal(lookups.length, 1);
      assert.deepEqual(lookups[0].command.filter.phoneNumber, { $eq: "+14155550123", $type: "string" });
      assert.notEqual(servingIndex(lookups[0].command.filter, plans), null);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
