/**
 * Hostile and broken input over HTTP: every answer is a 4xx with a {message, code} body (never a 5xx),
 * and no request leaves half-written state behind (rows are counted after each batch).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import express from "express";
import request from "supertest";
import { expressApp, startServer } from "../helpers/server.js";
import { ORIGIN, WIRE_SECRET, testAuth } from "../helpers/auth.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import type { Kernia } from "../../src/auth/types.js";

function signed(value: string): string {
  return encodeURIComponent(`${value}.${createHmac("sha256", WIRE_SECRET).update(value).digest("base64")}`);
}

async function counts(auth: Kernia) {
  const s = auth.context.store;
  return { user: await s.count("user", []), account: await s.count("account", []), session: await s.count("session", []) };
}

function assertErrorBody(res: request.Response, status: number, code: string) {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.equal(typeof res.body.message, "string");
  assert.equal(res.body.code, code);
  assert.deepEqual(Object.keys(res.body), ["message", "code"]);
}

describe("bad input", () => {
  const auth = testAuth({ plugins: [username(), phoneNumber()] });
  const app = expressApp(auth);

  test("malformed JSON -> 400 BAD_REQUEST 'Invalid JSON in request body'", async () => {
    for (const body of ['{"email":', "{'a':1}", " ", "nul", '{"a":1}}']) {
      const res = await request(app).post("/api/auth/sign-in/email").set("content-type", "application/json").send(body);
      assertErrorBody(res, 400, "BAD_REQUEST");
      assert.equal(res.body.message, "Invalid JSON in request body");
    }
    // An empty body counts as no body: the schema then reports the missing object.
    const empty = await request(app).post("/api/auth/sign-in/email").set("content-type", "application/json").send("");
    assertErrorBody(empty, 400, "VALIDATION_ERROR");
    assert.equal(empty.body.message, "[body] Invalid input: expected object, received undefined");
  });

  test("JSON that is not an object -> 400 VALIDATION_ERROR", async () => {
    for (const body of ["[]", "[1,2]", "42", "null", '"str"', "true"]) {
      const res = await request(app).post("/api/auth/sign-up/email").set("content-type", "application/json").send(body);
      assertErrorBody(res, 400, "VALIDATION_ERROR");
      assert.match(res.body.message, /^\[body\] Invalid input: expected object, received (array|number|null|string|boolean)$/);
    }
  });

  test("wrong types and missing fields on every body endpoint -> 400 VALIDATION_ERROR", async () => {
    const cases: [string, unknown][] = [
      ["/sign-up/email", { name: ["x"], email: "a@example.com", password: "password1234" }],
      ["/sign-up/email", { name: "x", email: "a@example.com", password: 12345678 }],
      ["/sign-up/email", { name: "x", email: "a@example.com", password: "password1234", rememberMe: "no" }],
      ["/sign-up/email", { name: "x", email: "a@example.com", password: "password1234", username: 7 }],
      ["/sign-up/email", { name: "x", email: "a@example.com", password: "password1234", phoneNumber: { a: 1 } }],
      ["/sign-in/email", {}],
      ["/sign-in/email", { email: {}, password: "x" }],
      ["/sign-in/username", { username: null, password: "x" }],
      ["/sign-in/phone-number", { phoneNumber: 15551234567, password: "x" }],
    ];
    for (const [path, body] of cases) {
      const res = await request(app)
        .post(`/api/auth${path}`)
        .set("origin", ORIGIN)
        .send(body as object);
      assertErrorBody(res, 400, "VALIDATION_ERROR");
    }
    assert.deepEqual(await counts(auth), { user: 0, account: 0, session: 0 });
  });

  test("wrong content types -> 415; a missing content type on a body -> 415 'Content-Type is required'", async () => {
    for (const type of ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/jsonx"]) {
      const res = await request(app).post("/api/auth/sign-in/email").set("content-type", type).send("x");
      assertErrorBody(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
    const res = await auth.handler(
      new Request("http://localhost:3000/api/auth/sign-in/email", { method: "POST", body: new Uint8Array([123, 125]) }),
    );
    assert.equal(res.status, 415);
    assert.deepEqual(await res.json(), {
      message: "Content-Type is required. Allowed types: application/x-www-form-urlencoded, application/json",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  });

  test("a body over 1 MiB -> 413 PAYLOAD_TOO_LARGE (Express and plain node:http)", async () => {
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024), email: "big@example.com", password: "password1234" });
    const res = await request(app).post("/api/auth/sign-up/email").set("content-type", "application/json").send(big);
    assertErrorBody(res, 413, "PAYLOAD_TOO_LARGE");
    assert.equal(res.body.message, "Request body is too large");

    // Chunked (no content-length): the cap applies while streaming.
    const server = await startServer(auth);
    try {
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 40) return controller.close(); // 2.5 MiB, but the server stops reading at 1 MiB
          sent++;
          controller.enqueue(chunk);
        },
      });
      const r = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit).catch((e: unknown) => e);
      if (r instanceof Response) {
        assert.equal(r.status, 413);
        assert.deepEqual(await r.json(), { message: "Request body is too large", code: "PAYLOAD_TOO_LARGE" });
      } else {
        // The server may close the socket before the client finished sending: still no 5xx, no state.
        assert.ok(r instanceof Error);
      }
    } finally {
      await server.close();
    }

    // Through auth.handler directly (a Fetch Request with a streamed body).
    const direct = await auth.handler(
      new Request("http://localhost:3000/api/auth/sign-up/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      }),
    );
    assert.equal(direct.status, 413);
    assert.deepEqual(await counts(auth), { user: 0, account: 0, session: 0 });
  });

  test("unknown fields are ignored (and cannot smuggle columns)", async () => {
    const res = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({
        name: "U",
        email: "u@example.com",
        password: "password1234",
        twoFactorEnabled: true,
        phoneNumberVerified: true,
        emailVerified: true,
        createdAt: "1970-01-01T00:00:00.000Z",
        __proto__: { admin: true },
        constructor: "x",
      });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.emailVerified, false);
    // No number was given, so no phoneNumberVerified either (null, Better Auth's SQL shape).
    assert.equal(res.body.user.phoneNumberVerified, null);
    assert.notEqual(res.body.user.createdAt, "1970-01-01T00:00:00.000Z");
    assert.equal(res.body.user.admin, undefined);
  });

  test("tampered, truncated, duplicated and garbage cookies: treated as absent, no 5xx", async () => {
    const up = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "C", email: "c@example.com", password: "password1234" });
    const token: string = up.body.token;
    const good = signed(token);
    const variants = [
      `better-auth.session_token=${good.slice(0, -5)}`, // truncated signature
      `better-auth.session_token=${good.slice(0, 10)}`, // truncated value
      // tampered token: its last character replaced by another one (an "X" would be no change for a token ending in X)
      `better-auth.session_token=${token.slice(0, -1)}${token.endsWith("X") ? "Y" : "X"}.${good.slice(good.indexOf(".") + 1)}`,
      `better-auth.session_token=${token}`, // unsigned
      "better-auth.session_token=%ZZ%ZZ", // bad percent-encoding
      `better-auth.session_token="${good}`, // unbalanced quote
      "better-auth.session_token=" + "A".repeat(5000),
      `better-auth.session_token=.${good.slice(good.indexOf(".") + 1)}`,
      ";;;=;=;",
      "\u00ff\u00fe=\u00ff",
    ];
    for (const cookie of variants) {
      const res = await request(app).get("/api/auth/get-session").set("cookie", cookie);
      assert.equal(res.status, 200, cookie);
      assert.equal(res.text, "null", cookie);
    }
    // First occurrence wins: a forged second value cannot override the real one, nor the other way round.
    const dup = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=${good}; better-auth.session_token=forged`);
    assert.equal(dup.body.session.token, token);
    const forgedFirst = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=forged; better-auth.session_token=${good}`);
    assert.equal(forgedFirst.text, "null");
    // Sign-out with a tampered cookie still answers 200 and deletes nothing.
    const before = await counts(auth);
    const out = await request(app)
      .post("/api/auth/sign-out")
      .set("origin", ORIGIN)
      .set("cookie", `better-auth.session_token=${token}.${"A".repeat(43)}=`);
    assert.equal(out.status, 200);
    assert.deepEqual(await counts(auth), before);
  });

  test("query garbage on get-session -> 400 VALIDATION_ERROR, not 5xx", async () => {
    const res = await request(app).get("/api/auth/get-session?disableRefresh=maybe");
    assertErrorBody(res, 400, "VALIDATION_ERROR");
    assert.equal(res.body.message, "[query.disableRefresh] Invalid input: expected boolean, received string");
  });

  test("an account write failure rolls back the user (no half state)", async () => {
    const base = testAuth();
    const store = base.context.store;
    // A store whose account writes fail: the user row must not survive.
    const failing = testAuth({
      database: {
        name: "failing-account",
        bind: () =>
          ({
            ...store,
            create: async (model: string, data: any) => {
              if (model === "account") throw new Error("disk full");
              return store.create(model, data);
            },
          }) as typeof store,
      },
    });
    const res = await failing.handler(
      new Request("http://localhost:3000/api/auth/sign-up/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "F", email: "f@example.com", password: "password1234" }),
      }),
    );
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" });
    assert.equal(await store.count("user", []), 0);
    assert.equal(await store.count("account", []), 0);
    assert.equal(await store.count("session", []), 0);
  });

  test("express.json() before the handler: the parsed body is re-serialised and validated the same way", async () => {
    const a = testAuth();
    const withJson = expressApp(a, (app) => app.use(express.json()));
    const ok = await request(withJson)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ name: "J", email: "j@example.com", password: "password1234" });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.email, "j@example.com");
    const bad = await request(withJson)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .send({ email: "k@example.com", password: "password1234" });
    assertErrorBody(bad, 400, "VALIDATION_ERROR");
    const withForm = expressApp(a, (app) => app.use(express.urlencoded({ extended: false })));
    const form = await request(withForm)
      .post("/api/auth/sign-in/email")
      .set("origin", ORIGIN)
      .type("form")
      .send("email=j%40example.com&password=password1234");
    assert.equal(form.status, 200);
  });
});
