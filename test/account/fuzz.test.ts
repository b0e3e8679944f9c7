/**
 * Bad input to every account endpoint (seeded, so a failure reproduces): random JSON of every type in
 * every field, extra fields, huge and odd strings, random query strings and path tokens, with and
 * without a session. Every answer must be below 500, and every 4xx with a body must carry a string
 * `message` (and a string `code`, except Better Auth's few message-only answers).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AccountMail } from "../../src/auth/types.js";
import { Client, makeAuth, PASSWORD, signUp } from "../helpers/two-factor.js";
import { prng } from "../helpers/prng.js";

const MESSAGE_ONLY = new Set(["No fields to update", "Email is the same", "Verification email isn't enabled"]);

const POSTS: Record<string, string[]> = {
  "/request-password-reset": ["email", "redirectTo"],
  "/reset-password": ["newPassword", "token"],
  "/change-password": ["newPassword", "currentPassword", "revokeOtherSessions"],
  "/revoke-session": ["token"],
  "/revoke-sessions": [],
  "/revoke-other-sessions": [],
  "/send-verification-email": ["email", "callbackURL"],
  "/update-user": ["name", "image", "email"],
  "/change-email": ["newEmail", "callbackURL"],
  "/delete-user": ["password", "token", "callbackURL"],
};
const GETS: Record<string, string[]> = {
  "/verify-email": ["token", "callbackURL"],
  "/delete-user/callback": ["token", "callbackURL"],
  "/list-sessions": [],
};

describe("account endpoints under bad input", () => {
  test("2000 seeded random requests: never a 5xx, every error a {message, code} body", async () => {
    const mails: AccountMail[] = [];
    const record = (m: AccountMail) => void mails.push(m);
    const { auth } = makeAuth({
      options: {
        emailAndPassword: { sendResetPassword: record },
        emailVerification: { sendVerificationEmail: record },
        user: { changeEmail: { enabled: true }, deleteUser: { enabled: true, sendDeleteAccountVerification: record } },
      },
    });
    let signedIn = new Client(auth);
    let { email } = await signUp(signedIn);
    const anonymous = new Client(auth);
    const rand = prng(0x15ac);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const str = (): string => {
      const kind = pick(["empty", "short", "long", "unicode", "email", "url", "huge", "token"]);
      if (kind === "empty") return "";
      if (kind === "short")
        return Array.from({ length: Math.floor(rand() * 8) }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join("");
      if (kind === "long") return "x".repeat(100 + Math.floor(rand() * 300));
      if (kind === "unicode") return "\u0000\ud83d\ude00\u202e%00%ZZ\u00e9";
      if (kind === "email") return pick([email, "nobody@example.com", "a@b", "@", "A@EXAMPLE.COM"]);
      if (kind === "url") return pick(["/", "//evil.example", "https://evil.example", "javascript:alert(1)", "/\\evil", "/ok?x=1#f"]);
      if (kind === "huge") return "y".repeat(20_000);
      return pick([mails.at(-1)?.token ?? "t", "A".repeat(24), "not-a-token"]);
    };
    const value = (): unknown =>
      pick([str, str, str, () => rand() * 1e9, () => rand() < 0.5, () => null, () => [str()], () => ({ a: str() }), () => undefined])();
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      if (!signedIn.cookie("session_token")) {
        // A fuzzed request may have signed it out, changed its email or deleted it (a mailed token
        // can come up as a value): carry on as that user, or as a new one.
        const r = await signedIn.post("/sign-in/email", { email, password: PASSWORD });
        if (r.status !== 200) {
          signedIn = new Client(auth);
          ({ email } = await signUp(signedIn));
        }
      }
      const client = rand() < 0.6 ? signedIn : anonymous;
      let reply: Awaited<ReturnType<typeof client.get>>;
      if (rand() < 0.7) {
        const path = pick(Object.keys(POSTS));
        const body: Record<string, unknown> = {};
        for (const field of POSTS[path]) if (rand() < 0.8) body[field] = value();
        if (rand() < 0.2) body[str() || "extra"] = value();
        // Never delete or lock out the fuzzed user for real: keep its password out of delete/change.
        if ((path === "/delete-user" || path === "/change-password") && (body.password === PASSWORD || body.currentPassword === PASSWORD))
          continue;
        reply = await client.post(path, rand() < 0.1 ? pick([null, [], "text", 5]) : body);
      } else {
        const path = rand() < 0.3 ? `/reset-password/${encodeURIComponent(str() || "x")}` : pick(Object.keys(GETS));
        const fields = GETS[path] ?? ["callbackURL"];
        const qs = new URLSearchParams();
        for (const field of fields) if (rand() < 0.8) qs.set(field, String(value()));
        reply = await client.get(`${path}${qs.size ? `?${qs}` : ""}`);
      }
      checked++;
      assert.ok(reply.status < 500, `request ${i}: ${reply.status} ${reply.text.slice(0, 200)}`);
      if (reply.status >= 400 && reply.text !== "") {
        assert.equal(typeof reply.body.message, "string", `request ${i}: ${reply.text.slice(0, 200)}`);
        if (!MESSAGE_ONLY.has(reply.body.message))
          assert.equal(typeof reply.body.code, "string", `request ${i}: ${reply.text.slice(0, 200)}`);
      }
    }
    assert.ok(checked > 1500);
  });
});
