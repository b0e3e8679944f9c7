/** Better Auth's special rate-limit rules hold on the account endpoints (src/auth/rate-limit.ts). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, makeAuth } from "../helpers/two-factor.js";

describe("account rate limits", () => {
  test("mail-sending endpoints: 3 per 60 s per IP; change-password / change-email: 3 per 10 s; others: the default", async () => {
    const { auth, clock } = makeAuth({
      options: {
        rateLimit: { enabled: true },
        // The client's address comes through one trusted proxy's X-Forwarded-For (docs/security.md).
        advanced: { ipAddress: { trustedProxies: 1 } },
        emailAndPassword: { sendResetPassword: () => {} },
        emailVerification: { sendVerificationEmail: () => {} },
      },
    });
    const c = new Client(auth);
    const statuses = async (path: string, body: unknown, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await c.post(path, body, { "x-forwarded-for": "198.51.100.9" })).status);
      return out;
    };
    for (const path of ["/request-password-reset", "/send-verification-email"]) {
      assert.deepEqual(await statuses(path, { email: "x@example.com" }, 4), [200, 200, 200, 429], path);
      clock.advance(30);
      assert.equal((await statuses(path, { email: "x@example.com" }, 1))[0], 429, `${path} after 30 s`);
      clock.advance(31);
      assert.equal((await statuses(path, { email: "x@example.com" }, 1))[0], 200, `${path} after 61 s`);
    }
    for (const path of ["/change-password", "/change-email"]) {
      assert.deepEqual(await statuses(path, {}, 4), [400, 400, 400, 429], path);
      clock.advance(11);
      assert.equal((await statuses(path, {}, 1))[0], 400);
    }
    const reset = await statuses("/reset-password", { token: "x", newPassword: "whatever-1" }, 10);
    assert.ok(
      reset.every((s) => s === 400),
      "the default rule (100 per 10 s)",
    );
  });
});
