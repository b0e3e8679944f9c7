/**
 * The core endpoints over HTTP (Express 5 + supertest), checked against the Better Auth 1.7.25
 * transcripts: statuses, JSON bodies (key order included), and Set-Cookie lines byte for byte where
 * the value is deterministic.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import request from "supertest";
import { expressApp } from "../helpers/server.js";
import { ORIGIN, WIRE_SECRET, testAuth } from "../helpers/auth.js";
import { CAPTURED_AT, Clock } from "../helpers/clock.js";
import { CookieJar, setCookieLines } from "../helpers/cookie-jar.js";
import { username } from "../../src/plugins/username/index.js";

const json = "application/json";

/** encodeURIComponent(value + "." + base64(HMAC-SHA-256(secret, value))), computed with node:crypto. */
function signed(value: string, secret = WIRE_SECRET): string {
  return encodeURIComponent(`${value}.${createHmac("sha256", secret).update(value).digest("base64")}`);
}

function setup(clock = new Clock(CAPTURED_AT)) {
  const auth = testAuth({ plugins: [username()] }, clock);
  return { auth, app: expressApp(auth), clock };
}

async function signUpAlice(app: ReturnType<typeof expressApp>, extra: Record<string, unknown> = {}) {
  return request(app)
    .post("/api/auth/sign-up/email")
    .set("origin", ORIGIN)
    .set("content-type", json)
    .send({ name: "Alice", email: "alice@example.com", password: "password1234", username: "alice", ...extra });
}

describe("POST /sign-up/email", () => {
  test("T#1: 200 {token,user}, signed session cookie with Max-Age=604800, user keys in Better Auth order", async () => {
    const { app, clock } = setup();
    const res = await signUpAlice(app);
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/json/);
    const { token, user } = res.body;
    assert.match(token, /^[A-Za-z0-9]{32}$/);
    assert.match(user.id, /^[A-Za-z0-9]{32}$/);
    const iso = new Date(clock.ms).toISOString();
    assert.deepEqual(Object.keys(res.body), ["token", "user"]);
    assert.deepEqual(user, {
      name: "Alice",
      email: "alice@example.com",
      emailVerified: false,
      image: null, // unset: null, as Better Auth on a SQL database (test/shape/better-auth-sqlite.test.ts)
      createdAt: iso,
      updatedAt: iso,
      username: "alice",
      displayUsername: "alice",
      id: user.id,
    });
    assert.deepEqual(Object.keys(user), [
      "name",
      "email",
      "emailVerified",
      "image",
      "createdAt",
      "updatedAt",
      "username",
      "displayUsername",
      "id",
    ]);
    assert.deepEqual(setCookieLines(res), [`better-auth.session_token=${signed(token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`]);
  });

  test("email is lower-cased; username lower-cased, displayUsername keeps the case typed", async () => {
    const { app } = setup();
    const res = await signUpAlice(app, { email: "Alice@Example.COM", username: "Alice_B" });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.email, "alice@example.com");
    assert.equal(res.body.user.username, "alice_b");
    assert.equal(res.body.user.displayUsername, "Alice_B");
  });

  test("image is returned only when set", async () => {
    const { app } = setup();
    const res = await signUpAlice(app, { image: "https://example.com/a.png" });
    assert.equal(res.body.user.image, "https://example.com/a.png");
    assert.deepEqual(Object.keys(res.body.user).slice(0, 4), ["name", "email", "emailVerified", "image"]);
  });

  test("rememberMe:false: session cookie without Max-Age, then the signed dont_remember cookie", async () => {
    const { app } = setup();
    const res = await signUpAlice(app, { rememberMe: false });
    assert.equal(res.status, 200);
    assert.deepEqual(setCookieLines(res), [
      `better-auth.session_token=${signed(res.body.token)}; Path=/; HttpOnly; SameSite=Lax`,
      // The spec's fixed value for this secret (wire spec 2.2).
      "better-auth.dont_remember=true.DIvdJGxntD5XL0lHvVBuQEJwntruC8AcSN0xOVLhFfA%3D; Path=/; HttpOnly; SameSite=Lax",
    ]);
  });

  test("unknown fields are ignored, including twoFactorEnabled and emailVerified", async () => {
    const { auth, app } = setup();
    const res = await signUpAlice(app, { emailVerified: true, twoFactorEnabled: true, role: "admin", id: "X" });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.emailVerified, false);
    assert.notEqual(res.body.user.id, "X");
    const row = await auth.context.store.findOne("user", [{ field: "email", value: "alice@example.com" }]);
    assert.equal(row?.role, undefined);
  });

  test("T#102: duplicate email -> 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL, no Set-Cookie", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const res = await signUpAlice(app, { email: "ALICE@example.com", username: "other" });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body, { message: "User already exists. Use another email.", code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" });
    assert.equal(res.headers["set-cookie"], undefined);
  });

  test("T#103: short password -> 400 PASSWORD_TOO_SHORT; 129 chars -> PASSWORD_TOO_LONG", async () => {
    const { app } = setup();
    const short = await signUpAlice(app, { password: "short" });
    assert.equal(short.status, 400);
    assert.deepEqual(short.body, { message: "Password too short", code: "PASSWORD_TOO_SHORT" });
    const long = await signUpAlice(app, { password: "x".repeat(129) });
    assert.equal(long.status, 400);
    assert.deepEqual(long.body, { message: "Password too long", code: "PASSWORD_TOO_LONG" });
  });

  test("T#104/T#105: schema errors in zod wording", async () => {
    const { app } = setup();
    const bad = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "T", email: "nope", password: "password1234" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: "[body.email] Invalid email address", code: "VALIDATION_ERROR" });
    const missing = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ email: "t3@example.com", password: "password1234" });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { message: "[body.name] Invalid input: expected string, received undefined", code: "VALIDATION_ERROR" });
    const two = await request(app).post("/api/auth/sign-up/email").set("origin", ORIGIN).send({ name: 5, password: "" });
    assert.deepEqual(two.body, {
      message:
        "[body.name] Invalid input: expected string, received number; [body.email] Invalid input: expected string, received undefined; " +
        "[body.password] Too small: expected string to have >=1 characters",
      code: "VALIDATION_ERROR",
    });
  });

  test("T#106/T#107: username taken / invalid / too short / too long -> 400", async () => {
    const { app } = setup();
    await signUpAlice(app, { username: "tester" });
    const cases: [string, string, string][] = [
      ["TESTER", "USERNAME_IS_ALREADY_TAKEN", "Username is already taken. Please try another."],
      ["a b", "INVALID_USERNAME", "Username is invalid"],
      ["ab", "USERNAME_TOO_SHORT", "Username is too short"],
      ["a".repeat(31), "USERNAME_TOO_LONG", "Username is too long"],
    ];
    for (const [name, code, message] of cases) {
      const res = await signUpAlice(app, { email: `${code.toLowerCase()}@example.com`, username: name });
      assert.equal(res.status, 400, name);
      assert.deepEqual(res.body, { message, code });
    }
  });

  test("sign-up disabled -> 400 EMAIL_PASSWORD_SIGN_UP_DISABLED", async () => {
    const auth = testAuth({ emailAndPassword: { disableSignUp: true } });
    const res = await request(expressApp(auth))
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "A", email: "a@example.com", password: "password1234" });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { message: "Email and password sign up is not enabled", code: "EMAIL_PASSWORD_SIGN_UP_DISABLED" });
  });

  test("autoSignIn:false -> {token:null,user}, no cookie; a duplicate gets the same shape (no enumeration)", async () => {
    const auth = testAuth({ emailAndPassword: { autoSignIn: false } });
    const app = expressApp(auth);
    const body = { name: "A", email: "a@example.com", password: "password1234" };
    const first = await request(app).post("/api/auth/sign-up/email").set("origin", ORIGIN).send(body);
    assert.equal(first.status, 200);
    assert.equal(first.body.token, null);
    assert.equal(first.headers["set-cookie"], undefined);
    const dup = await request(app).post("/api/auth/sign-up/email").set("origin", ORIGIN).send(body);
    assert.equal(dup.status, 200);
    assert.equal(dup.body.token, null);
    assert.equal(await auth.context.store.count("user", []), 1);
  });

  test("T#119: form-encoded body accepted on sign-up", async () => {
    const { app } = setup();
    const res = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .type("form")
      .send("name=F&email=f%40example.com&password=password1234");
    assert.equal(res.status, 200);
    assert.equal(res.body.user.email, "f@example.com");
  });

  test("concurrent duplicate sign-ups: exactly one user and one account", async () => {
    const { auth, app } = setup();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(app)
          .post("/api/auth/sign-up/email")
          .set("origin", ORIGIN)
          .send({ name: "R", email: "race@example.com", password: "password1234" }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    assert.equal(await auth.context.store.count("user", []), 1);
    assert.equal(await auth.context.store.count("account", []), 1);
  });

  test("stores the credential account: providerId credential, accountId = userId, scrypt salt:key", async () => {
    const { auth, app } = setup();
    const res = await signUpAlice(app);
    const account = await auth.context.store.findOne("account", [{ field: "userId", value: res.body.user.id }]);
    assert.equal(account?.providerId, "credential");
    assert.equal(account?.accountId, res.body.user.id);
    assert.match(String(account?.password), /^[0-9a-f]{32}:[0-9a-f]{128}$/);
  });
});

describe("POST /sign-in/email", () => {
  test("T#82: 200 {redirect:false,token,user} + session cookie (no Origin, no cookie: allowed)", async () => {
    const { app } = setup();
    const up = await signUpAlice(app);
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("content-type", json)
      .send(JSON.stringify({ email: "alice@example.com", password: "password1234" }));
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["redirect", "token", "user"]);
    assert.equal(res.body.redirect, false);
    assert.deepEqual(res.body.user, up.body.user);
    assert.notEqual(res.body.token, up.body.token);
    assert.deepEqual(setCookieLines(res), [
      `better-auth.session_token=${signed(res.body.token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`,
    ]);
  });

  test("callbackURL: redirect:true, url, Location header; untrusted callbackURL -> 403 INVALID_CALLBACK_URL", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const ok = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "alice@example.com", password: "password1234", callbackURL: "/dashboard" });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body), ["redirect", "token", "url", "user"]);
    assert.equal(ok.body.redirect, true);
    assert.equal(ok.body.url, "/dashboard");
    assert.equal(ok.headers.location, "/dashboard");
    for (const bad of ["https://evil.example/x", "//evil.example", "/\\evil.example"]) {
      const res = await request(app)
        .post("/api/auth/sign-in/email")
        .set("origin", ORIGIN)
        .send({ email: "alice@example.com", password: "password1234", callbackURL: bad });
      assert.equal(res.status, 403, bad);
      assert.deepEqual(res.body, { message: "Invalid callbackURL", code: "INVALID_CALLBACK_URL" });
    }
  });

  test("rememberMe:false: 1-day session row, browser-session cookie + dont_remember", async () => {
    const { auth, app, clock } = setup();
    await signUpAlice(app);
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "alice@example.com", password: "password1234", rememberMe: false });
    assert.equal(res.status, 200);
    const lines = setCookieLines(res);
    assert.equal(lines[0], `better-auth.session_token=${signed(res.body.token)}; Path=/; HttpOnly; SameSite=Lax`);
    assert.equal(lines[1], `better-auth.dont_remember=${signed("true")}; Path=/; HttpOnly; SameSite=Lax`);
    const row = await auth.context.store.findOne("session", [{ field: "token", value: res.body.token }]);
    assert.equal((row!.expiresAt as Date).getTime(), clock.ms + 86400_000);
  });

  test("a remember-me sign-in while dont_remember is present expires it", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .set("cookie", `better-auth.dont_remember=${signed("true")}`)
      .send({ email: "alice@example.com", password: "password1234", rememberMe: true });
    assert.equal(res.status, 200);
    assert.deepEqual(
      setCookieLines(res).map((l) => l.split(";").slice(0, 2).join(";")),
      [`better-auth.session_token=${signed(res.body.token)}; Max-Age=604800`, "better-auth.dont_remember=; Max-Age=0"],
    );
  });

  test("T#108/T#109/T#110: wrong password and unknown email -> 401; malformed email -> 400 INVALID_EMAIL", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const wrong = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "alice@example.com", password: "wrongwrong" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { message: "Invalid email or password", code: "INVALID_EMAIL_OR_PASSWORD" });
    assert.equal(wrong.headers["set-cookie"], undefined);
    const unknown = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "zz@example.com", password: "wrongwrong" });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
    const bad = await request(app).post("/api/auth/sign-in/email").set("origin", ORIGIN).send({ email: "zz", password: "wrongwrong" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: "Invalid email", code: "INVALID_EMAIL" });
  });

  test("requireEmailVerification: right password of an unverified user -> 403 EMAIL_NOT_VERIFIED", async () => {
    const auth = testAuth({ emailAndPassword: { requireEmailVerification: true } });
    const app = expressApp(auth);
    await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "A", email: "a@example.com", password: "password1234" });
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "a@example.com", password: "password1234" });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, { message: "Email not verified", code: "EMAIL_NOT_VERIFIED" });
  });

  test("emailAndPassword.enabled:false -> 400 EMAIL_PASSWORD_DISABLED", async () => {
    const auth = testAuth({ emailAndPassword: { enabled: false } });
    const res = await request(expressApp(auth))
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .send({ email: "a@example.com", password: "password1234" });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { message: "Email and password is not enabled", code: "EMAIL_PASSWORD_DISABLED" });
  });

  test("T#119: form-encoded sign-in", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .type("form")
      .send("email=alice%40example.com&password=password1234");
    assert.equal(res.status, 200);
    assert.equal(res.body.redirect, false);
  });
});

describe("POST /sign-in/username", () => {
  test("T#113: case-insensitive, {redirect,token,user} + cookie", async () => {
    const { app } = setup();
    await signUpAlice(app, { username: "tester" });
    const res = await request(app)
      .post("/api/auth/sign-in/username")
      .set("origin", ORIGIN)
      .send({ username: "TESTER", password: "password1234" });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["redirect", "token", "user"]);
    assert.equal(res.body.user.username, "tester");
    assert.deepEqual(setCookieLines(res), [
      `better-auth.session_token=${signed(res.body.token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`,
    ]);
  });

  test("T#111/T#112: wrong password 401; unknown 401; too short/long/invalid 422", async () => {
    const { app } = setup();
    await signUpAlice(app, { username: "tester" });
    const send = (body: object) => request(app).post("/api/auth/sign-in/username").set("origin", ORIGIN).send(body);
    const wrong = await send({ username: "tester", password: "wrongwrong" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { message: "Invalid username or password", code: "INVALID_USERNAME_OR_PASSWORD" });
    assert.deepEqual((await send({ username: "nobody", password: "wrongwrong" })).body, wrong.body);
    const short = await send({ username: "a", password: "wrongwrong" });
    assert.equal(short.status, 422);
    assert.deepEqual(short.body, { message: "Username is too short", code: "USERNAME_TOO_SHORT" });
    const long = await send({ username: "a".repeat(31), password: "x" });
    assert.equal(long.status, 422);
    assert.equal(long.body.code, "USERNAME_TOO_LONG");
    const invalid = await send({ username: "a b c", password: "x" });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.code, "INVALID_USERNAME");
  });
});

describe("username plugin extras", () => {
  test("concurrent sign-ups racing for one username: one wins, the others get USERNAME_IS_ALREADY_TAKEN", async () => {
    const { auth, app } = setup();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => signUpAlice(app, { email: `race${i}@example.com`, username: i % 2 ? "Racer" : "racer" })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    for (const r of results.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 400);
      assert.equal(r.body.code, "USERNAME_IS_ALREADY_TAKEN");
    }
    assert.equal(await auth.context.store.count("user", []), 1);
    assert.equal(await auth.context.store.count("account", []), 1);
  });

  test("displayUsername alone becomes the username when it is a valid one", async () => {
    const { app } = setup();
    const res = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "D", email: "d@example.com", password: "password1234", displayUsername: "Disp.Lay" });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.username, "disp.lay");
    assert.equal(res.body.user.displayUsername, "Disp.Lay");
  });

  test("POST /is-username-available", async () => {
    const { app } = setup();
    await signUpAlice(app, { username: "taken" });
    const ask = (username: unknown) => request(app).post("/api/auth/is-username-available").set("origin", ORIGIN).send({ username });
    assert.deepEqual((await ask("TAKEN")).body, { available: false });
    assert.deepEqual((await ask("free_one")).body, { available: true });
    const bad = await ask("a b");
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body, { message: "Username is invalid", code: "INVALID_USERNAME" });
  });
});

describe("GET /get-session", () => {
  test("T#2: session + user, cache-control no-store, pragma no-cache, session keys in order", async () => {
    const { app, clock } = setup();
    const up = await signUpAlice(app);
    const jar = new CookieJar();
    jar.store(up);
    const res = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", jar.header())
      .set("user-agent", "ua/1")
      .set("x-forwarded-for", "203.0.113.9");
    assert.equal(res.status, 200);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.headers.pragma, "no-cache");
    assert.equal(res.headers["set-cookie"], undefined);
    assert.deepEqual(Object.keys(res.body.session), [
      "expiresAt",
      "token",
      "createdAt",
      "updatedAt",
      "ipAddress",
      "userAgent",
      "userId",
      "id",
    ]);
    assert.equal(res.body.session.token, up.body.token);
    assert.equal(res.body.session.expiresAt, new Date(clock.ms + 604800_000).toISOString());
    assert.equal(res.body.session.ipAddress, "127.0.0.1"); // the socket's peer (issue 11: headers are not trusted by default)
    assert.deepEqual(res.body.user, up.body.user);
  });

  test("session row records the connection's address (a client's x-forwarded-for is not trusted) and user agent", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const res = await request(app)
      .post("/api/auth/sign-in/email")
      .set("x-forwarded-for", "203.0.113.9, 10.0.0.1")
      .set("user-agent", "ua/1")
      .send({ email: "alice@example.com", password: "password1234" });
    const got = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=${signed(res.body.token)}`);
    assert.equal(got.body.session.ipAddress, "127.0.0.1");
    assert.equal(got.body.session.userAgent, "ua/1");
  });

  test("no cookie -> null; T#115 bad signature -> null and nothing cleared", async () => {
    const { app } = setup();
    const none = await request(app).get("/api/auth/get-session");
    assert.equal(none.status, 200);
    assert.equal(none.text, "null");
    const bad = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", "better-auth.session_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
    assert.equal(bad.text, "null");
    assert.equal(bad.headers["set-cookie"], undefined);
  });

  test("T#114: well-signed cookie for an unknown token -> null + the three expiring cookies (exact bytes)", async () => {
    const { app } = setup();
    const cookie = "better-auth.session_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.Xv7ZcTLX%2FwCxsrg5t0uxS4V3UtBcQOhJZpUpksYooUg%3D";
    const res = await request(app).get("/api/auth/get-session").set("cookie", cookie);
    assert.equal(res.status, 200);
    assert.equal(res.text, "null");
    assert.deepEqual(setCookieLines(res), [
      "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]);
  });

  test("expired session -> null, cookies expired, row deleted", async () => {
    const { auth, app, clock } = setup();
    const up = await signUpAlice(app);
    clock.advance(604800 + 1);
    const res = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=${signed(up.body.token)}`);
    assert.equal(res.text, "null");
    assert.equal(setCookieLines(res).length, 3);
    assert.equal(await auth.context.store.count("session", []), 0);
  });

  test("spec 2.3: refresh after updateAge re-sets the cookie and extends expiresAt; not before", async () => {
    const { app, clock } = setup();
    const up = await signUpAlice(app);
    const cookie = `better-auth.session_token=${signed(up.body.token)}`;
    clock.advance(86400 - 1);
    const early = await request(app).get("/api/auth/get-session").set("cookie", cookie);
    assert.equal(early.headers["set-cookie"], undefined);
    clock.advance(1);
    const due = await request(app).get("/api/auth/get-session").set("cookie", cookie);
    assert.deepEqual(setCookieLines(due), [
      `better-auth.session_token=${signed(up.body.token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`,
    ]);
    assert.equal(due.body.session.expiresAt, new Date(clock.ms + 604800_000).toISOString());
    assert.equal(due.body.session.updatedAt, new Date(clock.ms).toISOString());
  });

  test("T#27: with dont_remember present there is no refresh; disableRefresh=true also skips it", async () => {
    const { app, clock } = setup();
    const up = await signUpAlice(app, { rememberMe: false });
    const jar = new CookieJar();
    jar.store(up);
    clock.advance(3600);
    const res = await request(app).get("/api/auth/get-session").set("cookie", jar.header());
    assert.equal(res.status, 200);
    assert.equal(res.body.session.token, up.body.token);
    assert.equal(res.headers["set-cookie"], undefined);

    const { app: app2, clock: clock2 } = setup();
    const up2 = await signUpAlice(app2);
    clock2.advance(2 * 86400);
    const skip = await request(app2)
      .get("/api/auth/get-session?disableRefresh=true")
      .set("cookie", `better-auth.session_token=${signed(up2.body.token)}`);
    assert.equal(skip.headers["set-cookie"], undefined);
    assert.ok(skip.body.session);
  });

  test("T#116: POST -> 405 METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED with no-store", async () => {
    const { app } = setup();
    const res = await request(app).post("/api/auth/get-session").set("origin", ORIGIN).send({});
    assert.equal(res.status, 405);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.deepEqual(res.body, {
      message: "POST method requires deferSessionRefresh to be enabled in session config",
      code: "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
    });
  });
});

describe("POST /sign-out", () => {
  test("T#12: {success:true}, session deleted, three expiring cookies in order", async () => {
    const { auth, app } = setup();
    const up = await signUpAlice(app);
    const cookie = `better-auth.session_token=${signed(up.body.token)}`;
    const res = await request(app).post("/api/auth/sign-out").set("origin", ORIGIN).set("cookie", cookie).send({});
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { success: true });
    assert.deepEqual(setCookieLines(res), [
      "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]);
    assert.equal(await auth.context.store.count("session", []), 0);
    const after = await request(app).get("/api/auth/get-session").set("cookie", cookie);
    assert.equal(after.text, "null");
  });

  test("T#117: no cookie and no body -> 200 {success:true} and the expiring cookies", async () => {
    const { app } = setup();
    const res = await request(app).post("/api/auth/sign-out").set("origin", ORIGIN);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { success: true });
    assert.equal(setCookieLines(res).length, 3);
  });
});

describe("routing, media types, origin checks (section 1 and 6)", () => {
  test("T#86/T#87/T#120: unknown path, wrong method, OPTIONS, trailing slash -> 404 empty body", async () => {
    const { app } = setup();
    for (const [method, path] of [
      ["post", "/api/auth/two-factor/nope"],
      ["get", "/api/auth/sign-in/email"],
      ["options", "/api/auth/sign-in/email"],
      ["post", "/api/auth/sign-in/email/"],
      ["get", "/api/auth/get-session/"],
      ["get", "/api/auth//get-session"],
    ] as const) {
      const res = await request(app)[method](path).set("origin", ORIGIN);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.text, "");
    }
  });

  test("T#85/T#118: non-JSON media types -> 415 naming the type; +json variants rejected", async () => {
    const { app } = setup();
    const cases: [string, string][] = [
      ["/api/auth/sign-out", "text/plain"],
      ["/api/auth/sign-in/username", "application/x-www-form-urlencoded"],
      ["/api/auth/sign-up/email", "application/vnd.api+json"],
    ];
    for (const [path, type] of cases) {
      const res = await request(app).post(path).set("origin", ORIGIN).set("content-type", type).send("code=123456");
      assert.equal(res.status, 415, type);
      const allowed = path === "/api/auth/sign-up/email" ? "application/x-www-form-urlencoded, application/json" : "application/json";
      assert.deepEqual(res.body, {
        message: `Content-Type "${type}" is not allowed. Allowed types: ${allowed}`,
        code: "UNSUPPORTED_MEDIA_TYPE",
      });
    }
    const charset = await request(app)
      .post("/api/auth/sign-out")
      .set("origin", ORIGIN)
      .set("content-type", "application/json; charset=utf-8")
      .send("{}");
    assert.equal(charset.status, 200);
  });

  test("T#79/T#80/T#81: with a cookie, Origin/Referer must be present and trusted", async () => {
    const { app } = setup();
    const up = await signUpAlice(app);
    const cookie = `better-auth.session_token=${signed(up.body.token)}`;
    const none = await request(app).post("/api/auth/sign-out").set("cookie", cookie).send({});
    assert.equal(none.status, 403);
    assert.deepEqual(none.body, { message: "Missing or null Origin", code: "MISSING_OR_NULL_ORIGIN" });
    const nul = await request(app).post("/api/auth/sign-out").set("cookie", cookie).set("origin", "null").send({});
    assert.equal(nul.body.code, "MISSING_OR_NULL_ORIGIN");
    const evil = await request(app).post("/api/auth/sign-out").set("cookie", cookie).set("origin", "https://evil.example").send({});
    assert.equal(evil.status, 403);
    assert.deepEqual(evil.body, { message: "Invalid origin", code: "INVALID_ORIGIN" });
    const lookalike = await request(app)
      .post("/api/auth/sign-out")
      .set("cookie", cookie)
      .set("origin", "http://localhost:3000.evil.example")
      .send({});
    assert.equal(lookalike.body.code, "INVALID_ORIGIN");
    const referer = await request(app)
      .post("/api/auth/sign-out")
      .set("cookie", cookie)
      .set("referer", "http://localhost:3000/settings")
      .send({});
    assert.equal(referer.status, 200);
  });

  test("T#82/T#83/T#84: login CSRF guard on sign-in/email without cookies", async () => {
    const { app } = setup();
    await signUpAlice(app);
    const body = { email: "alice@example.com", password: "password1234" };
    const nav = await request(app)
      .post("/api/auth/sign-in/email")
      .set("sec-fetch-site", "cross-site")
      .set("sec-fetch-mode", "navigate")
      .set("sec-fetch-dest", "document")
      .send(body);
    assert.equal(nav.status, 403);
    assert.deepEqual(nav.body, {
      message: "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
      code: "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
    });
    const evil = await request(app).post("/api/auth/sign-in/email").set("origin", "https://evil.example").send(body);
    assert.equal(evil.status, 403);
    assert.deepEqual(evil.body, { message: "Invalid origin", code: "INVALID_ORIGIN" });
    const sameSiteNoOrigin = await request(app).post("/api/auth/sign-in/email").set("sec-fetch-site", "same-origin").send(body);
    assert.equal(sameSiteNoOrigin.body.code, "MISSING_OR_NULL_ORIGIN");
    // Other endpoints without cookies skip the check entirely (username sign-in has no fetch-metadata guard).
    await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ ...body, name: "x", email: "u@example.com", username: "uuu" });
    const other = await request(app)
      .post("/api/auth/sign-in/username")
      .set("origin", "https://evil.example")
      .send({ username: "uuu", password: "password1234" });
    assert.equal(other.status, 200);
  });

  test("trustedOrigins: array with wildcards, function of the request", async () => {
    const auth = testAuth({ trustedOrigins: ["https://*.example.com", "http://app.test:8080"] });
    const app = expressApp(auth);
    const up = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "A", email: "a@example.com", password: "password1234" });
    const cookie = `better-auth.session_token=${signed(up.body.token)}`;
    for (const [origin, status] of [
      ["https://app.example.com", 200],
      ["https://a.b.example.com", 200],
      ["http://app.example.com", 403],
      ["https://example.com.evil.net", 403],
      ["http://app.test:8080", 200],
      ["http://app.test:8081", 403],
    ] as const) {
      const res = await request(app)
        .post("/api/auth/sign-in/email")
        .set("cookie", cookie)
        .set("origin", origin)
        .send({ email: "a@example.com", password: "password1234" });
      assert.equal(res.status, status, origin);
    }
    const fnAuth = testAuth({ trustedOrigins: (req) => (req?.headers.get("x-tenant") === "t1" ? ["https://t1.example"] : []) });
    const fnApp = expressApp(fnAuth);
    const a = await request(fnApp)
      .post("/api/auth/sign-out")
      .set("cookie", "x=1")
      .set("origin", "https://t1.example")
      .set("x-tenant", "t1")
      .send({});
    assert.equal(a.status, 200);
    const b = await request(fnApp).post("/api/auth/sign-out").set("cookie", "x=1").set("origin", "https://t1.example").send({});
    assert.equal(b.status, 403);
  });

  test("disableCSRFCheck skips the origin check", async () => {
    const auth = testAuth({ advanced: { disableCSRFCheck: true } });
    const res = await request(expressApp(auth))
      .post("/api/auth/sign-out")
      .set("cookie", "x=1")
      .set("origin", "https://evil.example")
      .send({});
    assert.equal(res.status, 200);
  });
});

describe("https baseURL (T#95)", () => {
  test("__Secure- prefix and Secure attribute after HttpOnly", async () => {
    const auth = testAuth({ baseURL: "https://auth.example.com" });
    const app = expressApp(auth);
    const res = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", "https://auth.example.com")
      .send({ name: "Sec", email: "sec@example.com", password: "password1234", rememberMe: false });
    assert.equal(res.status, 200);
    assert.deepEqual(setCookieLines(res), [
      `__Secure-better-auth.session_token=${signed(res.body.token)}; Path=/; HttpOnly; Secure; SameSite=Lax`,
      "__Secure-better-auth.dont_remember=true.DIvdJGxntD5XL0lHvVBuQEJwntruC8AcSN0xOVLhFfA%3D; Path=/; HttpOnly; Secure; SameSite=Lax",
    ]);
    // The un-prefixed name is not read on an https server.
    const plain = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=${signed(res.body.token)}`);
    assert.equal(plain.text, "null");
    const secure = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `__Secure-better-auth.session_token=${signed(res.body.token)}`);
    assert.equal(secure.body.session.token, res.body.token);
  });
});
