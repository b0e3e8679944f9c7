/**
 * Issue 11 item 9 / deliver 7: every response that carries a secret, a code or a session token says
 * `Cache-Control: no-store`; responses that carry none are left as they were.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, PASSWORD, makeAuth, signUp, totpAt } from "../helpers/two-factor.js";

describe("Cache-Control: no-store", () => {
  test("sign-up, enable, get-totp-uri, generate-backup-codes, verify-totp, sign-in, verify-backup-code", async () => {
    const { auth, clock } = makeAuth();
    const client = new Client(auth);
    const { email } = await signUp(client);
    const up = client.log.at(-1)!;
    const seen: [string, string | null][] = [["sign-up", up.headers.get("cache-control")]];
    const enable = await client.post("/two-factor/enable", { password: PASSWORD });
    seen.push(["enable", enable.headers.get("cache-control")]);
    const uri = await client.post("/two-factor/get-totp-uri", { password: PASSWORD });
    seen.push(["get-totp-uri", uri.headers.get("cache-control")]);
    const confirm = await client.post("/two-factor/verify-totp", { code: totpAt(enable.body.totpURI, clock) });
    assert.equal(confirm.status, 200);
    seen.push(["verify-totp (enable)", confirm.headers.get("cache-control")]);
    const codes = await client.post("/two-factor/generate-backup-codes", { password: PASSWORD });
    assert.equal(codes.status, 200);
    seen.push(["generate-backup-codes", codes.headers.get("cache-control")]);
    await client.post("/sign-out", {});
    const signIn = await client.post("/sign-in/email", { email, password: PASSWORD });
    seen.push(["sign-in (challenge)", signIn.headers.get("cache-control")]);
    const backup = await client.post("/two-factor/verify-backup-code", { code: codes.body.backupCodes[0] });
    assert.equal(backup.status, 200);
    seen.push(["verify-backup-code", backup.headers.get("cache-control")]);
    const session = await client.get("/get-session");
    seen.push(["get-session", session.headers.get("cache-control")]);
    for (const [name, value] of seen) assert.equal(value, "no-store", name);
  });

  test("answers with no secret are unchanged (errors, sign-out)", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    const wrong = await client.post("/sign-in/email", { email: "nobody@example.com", password: PASSWORD });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("cache-control"), null);
    const out = await client.post("/sign-out", {});
    assert.equal(out.headers.get("cache-control"), null);
  });
});
