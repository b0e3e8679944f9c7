/**
 * The official Better Auth client (better-auth/client + usernameClient) against a Kernia server on a
 * loopback port. A small cookie jar plays the browser: it keeps Set-Cookie and sends Cookie + Origin.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createAuthClient } from "better-auth/client";
import { usernameClient } from "better-auth/client/plugins";
import type { RequestListener } from "node:http";
import { init } from "../../src/index.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { username } from "../../src/plugins/username/index.js";
import { CookieJar, jarFetch } from "../helpers/cookie-jar.js";
import { startServer, type RunningServer } from "../helpers/server.js";

let server: RunningServer;
let baseURL: string;

before(async () => {
  // baseURL is only known once the port is: bind the handler after listening.
  let handler: RequestListener = (_req, res) => res.end();
  server = await startServer((req, res) => handler(req, res));
  baseURL = server.url;
  const auth = init({ secret: "client-test-secret-0123456789abcdefghij", baseURL, plugins: [username()] });
  handler = toNodeHandler(auth);
});

after(async () => {
  await server.close();
});

function client(jar: CookieJar) {
  return createAuthClient({
    baseURL,
    plugins: [usernameClient()],
    fetchOptions: {
      customFetchImpl: jarFetch(jar, baseURL),
    },
  });
}

describe("official client", () => {
  test("sign up, get session, sign out, sign in by email and by username", async () => {
    const jar = new CookieJar();
    const c = client(jar);
    const up = await c.signUp.email({ name: "Client", email: "client@example.com", password: "password1234", username: "Client_One" });
    assert.equal(up.error, null);
    assert.equal(up.data?.user.email, "client@example.com");
    assert.equal((up.data!.user as { username?: string }).username, "client_one");
    assert.ok(jar.get("better-auth.session_token"));

    const s1 = await c.getSession();
    assert.equal(s1.error, null);
    assert.equal(s1.data?.user.email, "client@example.com");
    assert.ok(s1.data?.session.expiresAt instanceof Date, "ISO dates are revived by the client");

    const out = await c.signOut();
    assert.equal(out.error, null);
    assert.equal(out.data?.success, true);
    assert.equal(jar.get("better-auth.session_token"), undefined);
    const s2 = await c.getSession();
    assert.equal(s2.data, null);

    const byEmail = await c.signIn.email({ email: "client@example.com", password: "password1234" });
    assert.equal(byEmail.error, null);
    assert.equal(byEmail.data?.redirect, false);
    assert.equal((await c.getSession()).data?.session.token, byEmail.data?.token);
    await c.signOut();

    const byName = await c.signIn.username({ username: "CLIENT_ONE", password: "password1234" });
    assert.equal(byName.error, null);
    assert.equal((await c.getSession()).data?.user.email, "client@example.com");
  });

  test("wrong password: error.code, error.status, error.message", async () => {
    const jar = new CookieJar();
    const c = client(jar);
    await c.signUp.email({ name: "W", email: "wrong@example.com", password: "password1234" });
    await c.signOut();
    const bad = await c.signIn.email({ email: "wrong@example.com", password: "not-the-password" });
    assert.equal(bad.data, null);
    assert.equal(bad.error?.status, 401);
    assert.equal(bad.error?.code, "INVALID_EMAIL_OR_PASSWORD");
    assert.equal(bad.error?.message, "Invalid email or password");
    const badName = await c.signIn.username({ username: "nobody", password: "not-the-password" });
    assert.equal(badName.error?.status, 401);
    assert.equal(badName.error?.code, "INVALID_USERNAME_OR_PASSWORD");
  });
});
