/**
 * auth.api (server-side calls), the plugin system (schema merge, endpoints, before/after hooks, the
 * response under construction, newSession, pluginOptions, init) and secret resolution.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { APIError, BASE_ERROR_CODES, init, type Plugin } from "../../src/index.js";
import { resolveSecret, DEV_SECRET } from "../../src/auth/secret.js";
import { BASE_URL, ORIGIN, signUp, post, testAuth } from "../helpers/auth.js";
import { CAPTURED_AT, Clock } from "../helpers/clock.js";

describe("auth.api", () => {
  test("resolves to the JSON body; rejects with APIError carrying statusCode/code/message", async () => {
    const auth = testAuth();
    const up = await auth.api.signUpEmail({ body: { name: "A", email: "a@example.com", password: "password1234" } });
    assert.ok(up.user && typeof up.token === "string", "a session, not a challenge");
    assert.match(up.token, /^[A-Za-z0-9]{32}$/);
    assert.equal(up.user.email, "a@example.com");
    assert.ok(up.user.createdAt instanceof Date, "server calls get Date objects, not strings");
    await assert.rejects(auth.api.signInEmail({ body: { email: "a@example.com", password: "wrong-password" } }), (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.equal(e.statusCode, 401);
      assert.equal(e.code, "INVALID_EMAIL_OR_PASSWORD");
      assert.equal(e.message, BASE_ERROR_CODES.INVALID_EMAIL_OR_PASSWORD);
      return true;
    });
    // @ts-expect-error a body of the wrong shape: what is tested is the run-time validation
    await assert.rejects(auth.api.signInEmail({ body: { email: 1 } }), { statusCode: 400, code: "VALIDATION_ERROR" });
  });

  test("no origin check for server calls; headers carry the session; asResponse gives the Response", async () => {
    const auth = testAuth();
    const { cookie } = await signUp(auth);
    const session = await auth.api.getSession({ headers: { cookie } });
    assert.equal(session?.user.email, "alice@example.com");
    const res: Response = await auth.api.signOut({ headers: { cookie, origin: "https://evil.example" }, asResponse: true });
    assert.ok(res instanceof Response);
    assert.equal(res.status, 200);
    assert.equal(res.headers.getSetCookie().length, 3);
    assert.equal(await auth.api.getSession({ headers: { cookie } }), null);
  });

  test("endpoints without a path are server-only; unexpected errors reject with the original error", async () => {
    const boom = new Error("boom");
    const plugin: Plugin = {
      id: "server-only",
      endpoints: {
        whoAmI: {
          method: "POST",
          body: { userId: { type: "string" } },
          handler: async (ctx) => ({ id: ctx.body.userId, server: ctx.isServerCall }),
        },
        explode: {
          method: "POST",
          handler: async () => {
            throw boom;
          },
        },
      },
    };
    const auth = testAuth({ plugins: [plugin] });
    assert.deepEqual(await auth.api.whoAmI({ body: { userId: "u1" } }), { id: "u1", server: true });
    await assert.rejects(auth.api.explode(), boom);
    await assert.rejects(auth.api.explode({ asResponse: true }), boom); // as Better Auth's server API (issue 16 item 2)
    for (const path of ["/whoAmI", "/who-am-i", "/explode"]) {
      const res = await post(auth, path, {});
      assert.equal(res.status, 404);
    }
  });
});

describe("plugin system", () => {
  test("schema merged by model name; plugin fields in the user object; returned:false hidden", async () => {
    const plugin: Plugin = {
      id: "extra",
      schema: {
        user: {
          fields: { plan: { type: "string", defaultValue: "free" }, secretNote: { type: "string", defaultValue: "x", returned: false } },
        },
        widget: { fields: { userId: { type: "string", required: true } } },
      },
    };
    const auth = testAuth({ plugins: [plugin] });
    assert.ok(auth.context.schema.widget);
    assert.ok(auth.context.schema.user.fields.email.unique);
    const { json } = await signUp(auth);
    assert.equal(json.user.plan, "free");
    assert.equal("secretNote" in json.user, false);
    assert.deepEqual(Object.keys(json.user).slice(-2), ["plan", "id"]);
  });

  test("before-hook may throw, or return true to answer from ctx.response; after-hook sees errors", async () => {
    const seen: unknown[] = [];
    const plugin: Plugin = {
      id: "hooks",
      hooks: {
        before: [
          {
            matches: (ctx) => ctx.path === "/sign-up/email" && ctx.body.name === "blocked",
            handler: async () => {
              throw new APIError(403, "NOPE", "nope");
            },
          },
          {
            matches: (ctx) => ctx.path === "/sign-up/email" && ctx.body.name === "short-circuit",
            handler: async (ctx) => {
              ctx.response.body = { custom: true };
              return true;
            },
          },
        ],
        after: [
          {
            matches: (ctx) => ctx.path === "/sign-in/email",
            handler: async (ctx) => {
              seen.push([ctx.response.status, ctx.response.body, ctx.newSession?.user.email ?? null]);
            },
          },
        ],
      },
    };
    const auth = testAuth({ plugins: [plugin] });
    const blocked = await signUp(auth, { name: "blocked", email: "b@example.com", password: "password1234" });
    assert.equal(blocked.status, 403);
    assert.deepEqual(blocked.json, { message: "nope", code: "NOPE" });
    const sc = await signUp(auth, { name: "short-circuit", email: "s@example.com", password: "password1234" });
    assert.deepEqual(sc.json, { custom: true });
    assert.equal(await auth.context.store.count("user", []), 0);

    await signUp(auth);
    await post(auth, "/sign-in/email", { email: "alice@example.com", password: "wrong-password" });
    await post(auth, "/sign-in/email", { email: "alice@example.com", password: "password1234" });
    assert.deepEqual(seen[0], [401, { message: "Invalid email or password", code: "INVALID_EMAIL_OR_PASSWORD" }, null]);
    assert.equal((seen[1] as unknown[])[0], 200);
    assert.equal((seen[1] as unknown[])[2], "alice@example.com");
  });

  test("an after-hook can withhold the new session: expiring a cookie removes its earlier line (spec 2.1)", async () => {
    const challenge: Plugin = {
      id: "challenge",
      hooks: {
        after: [
          {
            matches: (ctx) => ctx.path === "/sign-in/email" && ctx.newSession !== null,
            async handler(ctx) {
              await ctx.auth.sessions.delete(ctx.newSession!.session.token);
              ctx.expireCookie("session_token");
              ctx.expireCookie("session_data");
              await ctx.setSignedCookie("two_factor", "2fa-Z0DGpp2YRznEEAGmgGDB", 600);
              ctx.response.body = { twoFactorRedirect: true, twoFactorMethods: [] };
            },
          },
        ],
      },
    };
    const auth = testAuth({ plugins: [challenge] });
    await signUp(auth);
    const sessionsBefore = await auth.context.store.count("session", []);
    const res = await post(auth, "/sign-in/email", { email: "alice@example.com", password: "password1234", rememberMe: false });
    assert.deepEqual(await res.json(), { twoFactorRedirect: true, twoFactorMethods: [] });
    // T#22's order: dont_remember survives first, then the expired session cookies, then the challenge.
    assert.deepEqual(res.headers.getSetCookie(), [
      "better-auth.dont_remember=true.DIvdJGxntD5XL0lHvVBuQEJwntruC8AcSN0xOVLhFfA%3D; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.two_factor=2fa-Z0DGpp2YRznEEAGmgGDB.zqvTBNip3VE%2B35C%2Fel%2FGLA1nTfWj1tmDS%2BKI%2BTIopPc%3D; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
    ]);
    assert.equal(await auth.context.store.count("session", []), sessionsBefore);
  });

  test("rotateSession: new row and cookie, old row gone; issueSession honours dont_remember", async () => {
    const clock = new Clock(CAPTURED_AT);
    let rotated: string | null = null;
    const plugin: Plugin = {
      id: "rotate",
      endpoints: {
        rotate: {
          method: "POST",
          path: "/rotate",
          async handler(ctx) {
            const current = await ctx.requireSession();
            const fresh = await ctx.rotateSession(current);
            rotated = fresh.session.token;
            return { old: current.session.token, token: fresh.session.token };
          },
        },
      },
    };
    const auth = testAuth({ plugins: [plugin] }, clock);
    const up = await signUp(auth, { name: "R", email: "r@example.com", password: "password1234", rememberMe: false });
    const res = await post(auth, "/rotate", {}, up.cookie);
    const body = await res.json();
    assert.equal(body.old, up.json.token);
    assert.equal(body.token, rotated);
    const lines = res.headers.getSetCookie();
    assert.match(lines[0], /^better-auth\.session_token=[A-Za-z0-9]{32}\.[^;]+; Path=\/; HttpOnly; SameSite=Lax$/); // still no Max-Age
    assert.match(lines[1], /^better-auth\.dont_remember=true\./);
    assert.equal(await auth.context.store.count("session", []), 1);
    const unauth = await post(auth, "/rotate", {});
    assert.equal(unauth.status, 401);
    assert.deepEqual(await unauth.json(), { message: "Unauthorized", code: "UNAUTHORIZED" });
  });

  test("pluginOptions merges defaults with advanced[id], nested objects key by key; init() runs once", () => {
    let inits = 0;
    const auth = init({
      secret: "s".repeat(40),
      plugins: [{ id: "two-factor", init: () => void inits++ }],
      advanced: { "two-factor": { issuer: "Acme", totpOptions: { digits: 8 } } },
    });
    assert.equal(inits, 1);
    const merged = auth.context.pluginOptions("two-factor", {
      issuer: "Kernia",
      totpOptions: { digits: 6, period: 30 },
      trustDeviceMaxAge: 2592000,
    });
    assert.deepEqual(merged, { issuer: "Acme", totpOptions: { digits: 8, period: 30 }, trustDeviceMaxAge: 2592000 });
  });

  test("duplicate plugin ids, endpoint names or routes are rejected at init", () => {
    const ep = { method: "POST" as const, path: "/x", handler: async () => ({}) };
    assert.throws(() => testAuth({ plugins: [{ id: "a" }, { id: "a" }] }), /registered twice/);
    assert.throws(() => testAuth({ plugins: [{ id: "a", endpoints: { signInEmail: ep } }] }), /already defined/);
    assert.throws(
      () =>
        testAuth({
          plugins: [
            { id: "a", endpoints: { x: ep } },
            { id: "b", endpoints: { y: ep } },
          ],
        }),
      /two endpoints/,
    );
  });

  test("basePath option and the 404 outside it", async () => {
    const auth = testAuth({ basePath: "/auth" });
    const ok = await auth.handler(new Request(`${BASE_URL}/auth/get-session`));
    assert.equal(ok.status, 200);
    const outside = await auth.handler(new Request(`${BASE_URL}/api/auth/get-session`));
    assert.equal(outside.status, 404);
    assert.equal(await outside.text(), "");
    void ORIGIN;
  });
});

describe("secret", () => {
  test("options, then KERNIA_SECRET, BETTER_AUTH_SECRET, AUTH_SECRET", () => {
    assert.equal(resolveSecret("opt", { KERNIA_SECRET: "k" }), "opt");
    assert.equal(resolveSecret(undefined, { KERNIA_SECRET: "k", BETTER_AUTH_SECRET: "b" }), "k");
    assert.equal(resolveSecret(undefined, { BETTER_AUTH_SECRET: "b", AUTH_SECRET: "a" }), "b");
    assert.equal(resolveSecret(undefined, { AUTH_SECRET: "a" }), "a");
  });

  test("production without a secret, or with a default one, throws a clear error", () => {
    assert.throws(() => resolveSecret(undefined, { NODE_ENV: "production" }), /secret is required in production.*KERNIA_SECRET/);
    assert.throws(() => resolveSecret(DEV_SECRET, { NODE_ENV: "production" }), /secret is required/);
  });

  test("development falls back to the fixed dev secret with a warning", () => {
    const warn = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      assert.equal(resolveSecret(undefined, {}), DEV_SECRET);
    } finally {
      console.warn = warn;
    }
    assert.equal(messages.length, 1);
    assert.match(messages[0], /development secret/);
  });
});
