/** The session list and revocation beyond what the transcripts show: freshness, expiry, the current mark. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, makeAuth, PASSWORD, signUp } from "../helpers/two-factor.js";

describe("list-sessions", () => {
  test("each session's userAgent, ipAddress, createdAt, expiresAt; the caller's marked current; expired ones left out", async () => {
    // Behind one trusted proxy: the address is the one it forwarded (docs/security.md).
    const { auth, clock } = makeAuth({ options: { advanced: { ipAddress: { trustedProxies: 1 } } } });
    const a = new Client(auth);
    const { email } = await signUp(a);
    const b = new Client(auth);
    await b.post("/sign-in/email", { email, password: PASSWORD }, { "user-agent": "Phone/1.0", "x-forwarded-for": "198.51.100.4" });
    const shortLived = new Client(auth);
    await shortLived.post("/sign-in/email", { email, password: PASSWORD, rememberMe: false }); // one-day session
    clock.advance(3600);
    const list = (await b.get("/list-sessions")).body as Record<string, unknown>[];
    assert.equal(list.length, 3);
    const phone = list.find((s) => s.userAgent === "Phone/1.0");
    assert.ok(phone);
    assert.equal(phone.ipAddress, "198.51.100.4");
    assert.equal(phone.current, true);
    assert.equal(list.filter((s) => s.current).length, 1);
    for (const s of list) for (const k of ["createdAt", "expiresAt", "token", "id"]) assert.ok(k in s, k);
    clock.advance(86400 - 3600); // the one-day session has expired; the others are past freshAge now
    const stale = await b.get("/list-sessions");
    assert.equal(stale.status, 403);
    assert.deepEqual(stale.body, { message: "Session is not fresh", code: "SESSION_NOT_FRESH" });
    const fresh = new Client(auth);
    await fresh.post("/sign-in/email", { email, password: PASSWORD });
    const later = (await fresh.get("/list-sessions")).body as Record<string, unknown>[];
    assert.equal(later.length, 3, "the expired one-day session is not listed");
  });

  test("session.freshAge: 0 turns the freshness rule off", async () => {
    const { auth, clock } = makeAuth({ options: { session: { freshAge: 0 } } });
    const a = new Client(auth);
    await signUp(a);
    clock.advance(5 * 86400);
    assert.equal((await a.get("/list-sessions")).status, 200);
  });

  test("a revoked session is refused on that browser's next request", async () => {
    const { auth } = makeAuth();
    const a = new Client(auth);
    const { email } = await signUp(a);
    const b = new Client(auth);
    const signIn = await b.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await a.post("/revoke-session", { token: signIn.body.token })).status, 200);
    const after = await b.post("/change-password", { currentPassword: PASSWORD, newPassword: "another-pass-1" });
    assert.equal(after.status, 401);
  });
});
