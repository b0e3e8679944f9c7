/**
 * Every two-factor endpoint against Better Auth 1.7.25's answers (T#n numbers the captured exchanges;
 * docs/wire-protocol.md is the protocol): statuses, bodies, error codes and messages, cookie order.
 * Deliberate differences are asserted as such and named in the test title.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { nodeCrypto } from "../../src/crypto/node.js";
import { twoFactor, TWO_FACTOR_ERROR_CODES } from "../../src/plugins/two-factor/index.js";
import { init } from "../../src/index.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import {
  BASE,
  challenge,
  Client,
  Clock,
  enrolledUser,
  makeAuth,
  PASSWORD,
  SECRET,
  secretFromUri,
  signUp,
  totpAt,
  wrongTotp,
} from "../helpers/two-factor.js";

const err = (code: keyof typeof TWO_FACTOR_ERROR_CODES) => ({ message: TWO_FACTOR_ERROR_CODES[code], code });
const names = (lines: string[]) => lines.map((l) => l.slice(0, l.indexOf("=")));
const expired = (line: string) => / Max-Age=0;/.test(line);
const cookieLine = (lines: string[], short: string) => lines.find((l) => l.startsWith(`better-auth.${short}=`));

function unsign(value: string): string {
  const decoded = decodeURIComponent(value);
  const dot = decoded.lastIndexOf(".");
  const sig = createHmac("sha256", SECRET).update(decoded.slice(0, dot)).digest("base64");
  assert.equal(decoded.slice(dot + 1), sig, "cookie signature (better-call signCookieValue)");
  return decoded.slice(0, dot);
}

describe("enrolment (T#3-T#11, T#58)", () => {
  test("enable: password check, URI and codes, no cookie, user not yet enabled", async () => {
    const { auth, clock } = makeAuth();
    const client = new Client(auth);
    const { email } = await signUp(client);

    const wrong = await client.post("/two-factor/enable", { password: "wrong-password" });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, { message: "Invalid password", code: "INVALID_PASSWORD" });

    const first = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), ["method", "totpURI", "backupCodes"]);
    assert.equal(first.body.method, "totp");
    const encoded = encodeURIComponent(email);
    assert.match(
      first.body.totpURI,
      new RegExp(`^otpauth://totp/WireTest:${encoded}\\?secret=[A-Z2-7]{52}&issuer=WireTest&digits=6&period=30$`),
    );
    // The HMAC key is the ASCII of a 32-char [A-Za-z0-9_-] secret, as Better Auth (spec 3.2).
    assert.match(Buffer.from(secretFromUri(first.body.totpURI)).toString("latin1"), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(first.body.backupCodes.length, 10);
    for (const code of first.body.backupCodes) assert.match(code, /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);
    assert.equal(new Set(first.body.backupCodes).size, 10);
    assert.deepEqual(first.setCookies, []);
    assert.equal((await client.get("/get-session")).body.user.twoFactorEnabled, false);

    // T#5: pending enrolment may restart; the old secret is replaced.
    const second = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.totpURI, first.body.totpURI);

    // T#6/T#7
    const uri = await client.post("/two-factor/get-totp-uri", { password: PASSWORD });
    assert.deepEqual(uri.body, { totpURI: second.body.totpURI });
    assert.deepEqual(uri.setCookies, []);
    const missing = await client.post("/two-factor/get-totp-uri", {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      message: "[body.password] Invalid input: expected string, received undefined",
      code: "VALIDATION_ERROR",
    });
    const badPassword = await client.post("/two-factor/get-totp-uri", { password: "nope-nope" });
    assert.equal(badPassword.status, 400);
    assert.equal(badPassword.body.code, "INVALID_PASSWORD");

    // T#8: wrong code on the session path
    const bad = await client.post("/two-factor/verify-totp", { code: wrongTotp(second.body.totpURI, clock) });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, err("INVALID_CODE"));
    // a code of the first (replaced) secret is not accepted
    const stale = await client.post("/two-factor/verify-totp", { code: totpAt(first.body.totpURI, clock) });
    assert.equal(stale.status, 401);
  });

  test("verify during setup enables 2FA and rotates the session; answers with the NEW token (differs from T#9 on purpose)", async () => {
    const { auth, clock } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    const oldCookie = client.cookie("session_token")!;
    const oldToken = unsign(oldCookie);
    const { body } = await client.post("/two-factor/enable", { password: PASSWORD });
    const done = await client.post("/two-factor/verify-totp", { code: totpAt(body.totpURI, clock) });
    assert.equal(done.status, 200);
    assert.equal(done.setCookies.length, 1);
    const line = cookieLine(done.setCookies, "session_token")!;
    assert.match(line, /; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
    const newToken = unsign(line.slice(line.indexOf("=") + 1, line.indexOf(";")));
    assert.notEqual(newToken, oldToken);
    assert.equal(done.body.token, newToken);
    assert.equal(done.body.user.twoFactorEnabled, true);
    const session = await client.get("/get-session");
    assert.equal(session.body.session.token, newToken);
    assert.equal(session.body.user.twoFactorEnabled, true);
    // the old session row is gone
    const old = new Client(auth);
    old.jar.set("better-auth.session_token", oldCookie);
    assert.equal((await old.get("/get-session")).body, null);

    // T#11
    clock.advance(30);
    const again = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, err("TOTP_ALREADY_ENABLED"));
  });

  test("T#58: every session endpoint without a session is 401 UNAUTHORIZED", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    for (const [method, path, body] of [
      ["POST", "/two-factor/enable", { password: "x" }],
      ["POST", "/two-factor/disable", { password: "x" }],
      ["POST", "/two-factor/get-totp-uri", { password: "x" }],
      ["POST", "/two-factor/generate-backup-codes", { password: "x" }],
      ["GET", "/two-factor/backup-codes/status", undefined],
      ["GET", "/two-factor/trusted-devices", undefined],
      ["POST", "/two-factor/trusted-devices/revoke", { all: true }],
    ] as const) {
      const r = await client.request(method, path, body);
      assert.equal(r.status, 401, path);
      assert.deepEqual(r.body, { message: "Unauthorized", code: "UNAUTHORIZED" }, path);
    }
  });

  test("viewBackupCodes and generateTOTP are not offered over HTTP (T#86 404 shape)", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    for (const path of ["/two-factor/view-backup-codes", "/totp/generate"]) {
      const r = await client.post(path, {});
      assert.equal(r.status, 404, path);
    }
    assert.equal(auth.api.viewBackupCodes, undefined);
    for (const name of [
      "enableTwoFactor",
      "disableTwoFactor",
      "getTOTPURI",
      "verifyTOTP",
      "sendTwoFactorOTP",
      "verifyTwoFactorOTP",
      "verifyBackupCode",
      "generateBackupCodes",
    ]) {
      assert.equal(typeof auth.api[name], "function", name);
    }
  });
});

describe("sign-in challenge, trusted device (T#13-T#21)", () => {
  test("challenge shape and cookies; pending 2FA is no session", async () => {
    const { auth, clock } = makeAuth();
    const { client, email } = await enrolledUser(auth, clock);
    const r = await challenge(client, email);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] });
    assert.deepEqual(r.setCookies.slice(0, 2), [
      "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
      "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]);
    assert.equal(r.setCookies.length, 3);
    assert.match(
      r.setCookies[2],
      /^better-auth\.two_factor=2fa-[A-Za-z0-9_-]{20}\.[A-Za-z0-9%]+; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const id = unsign(client.cookie("two_factor")!);
    assert.match(id, /^2fa-[A-Za-z0-9_-]{20}$/);
    // T#14, and the challenged sign-in left no session row (none is created until a factor is verified)
    assert.equal((await client.get("/get-session")).body, null);
    const user = (await auth.context.users.findByEmail(email))!;
    assert.equal(await auth.context.store.count("session", [{ field: "userId", value: user.id }]), 0);
    const row = await auth.context.store.findOne("twoFactorConfirmation", [{ field: "id", value: id }]);
    assert.equal(row?.userId, user.id);
    assert.equal(row?.attempts, 0);
    assert.equal((row!.expiresAt as Date).getTime(), clock.now() + 600_000);
  });

  test("wrong code, missing code, right code with trustDevice, cookie replay", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, uri, userId } = await enrolledUser(auth, clock);
    await challenge(client, email);
    const pending = client.clone();

    const wrong = await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, err("INVALID_CODE"));
    const missing = await client.post("/two-factor/verify-totp", { trustDevice: true });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { message: "[body.code] Invalid input: expected string, received undefined", code: "VALIDATION_ERROR" });
    const numeric = await client.post("/two-factor/verify-totp", { code: 123456 });
    assert.equal(numeric.status, 400);
    assert.equal(numeric.body.code, "VALIDATION_ERROR");

    const ok = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body), ["token", "user"]);
    assert.equal(ok.body.user.id, userId);
    // T#17 cookie order
    assert.deepEqual(names(ok.setCookies), [
      "better-auth.session_token",
      "better-auth.two_factor",
      "better-auth.trust_device",
      "better-auth.dont_remember",
    ]);
    assert.match(ok.setCookies[0], /; Max-Age=604800; /);
    assert.ok(expired(ok.setCookies[1]) && expired(ok.setCookies[3]));
    assert.match(ok.setCookies[2], /; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(unsign(client.cookie("session_token")!), ok.body.token);
    // spec 2.4: <base64url HMAC-SHA-256(secret, userId!trustId)>!<trustId>, checked with node:crypto
    const trust = unsign(client.cookie("trust_device")!);
    const [mac, trustId] = trust.split("!");
    assert.match(trustId, /^trust-device-[A-Za-z0-9_-]{32}$/);
    assert.equal(mac, createHmac("sha256", SECRET).update(`${userId}!${trustId}`).digest("base64url"));
    assert.equal((await client.get("/get-session")).body.user.id, userId);

    // T#18
    const replay = await pending.post("/two-factor/verify-totp", { code: totpAt(uri, clock, 1) });
    assert.equal(replay.status, 401);
    assert.deepEqual(replay.body, err("INVALID_TWO_FACTOR_COOKIE"));

    // T#19: sign-out keeps trust_device; T#20: next sign-in skips 2FA and rotates the trust cookie
    const out = await client.post("/sign-out", {});
    assert.deepEqual(names(out.setCookies), ["better-auth.session_token", "better-auth.session_data", "better-auth.dont_remember"]);
    assert.ok(client.cookie("trust_device"));
    const oldTrust = client.clone();
    clock.advance(60);
    const trusted = await client.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(trusted.status, 200);
    assert.equal(trusted.body.redirect, false);
    assert.equal(typeof trusted.body.token, "string");
    assert.deepEqual(names(trusted.setCookies), ["better-auth.session_token", "better-auth.trust_device"]);
    assert.match(trusted.setCookies[1], /; Max-Age=2592000; /);
    assert.notEqual(client.cookie("trust_device"), oldTrust.cookie("trust_device"));
    const devices = await auth.context.store.findMany("twoFactorTrustedDevice", [{ field: "userId", value: userId }]);
    assert.equal(devices.length, 1);
    assert.equal((devices[0].expiresAt as Date).getTime(), clock.now() + 2592000_000);

    // the rotated-away cookie no longer trusts: challenge, and it is expired (spec 4 cookie order)
    const stale = await oldTrust.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(stale.body.twoFactorRedirect, true);
    assert.deepEqual(names(stale.setCookies), [
      "better-auth.trust_device",
      "better-auth.session_token",
      "better-auth.session_data",
      "better-auth.two_factor",
    ]);
    assert.ok(expired(stale.setCookies[0]));
  });

  test("an expired challenge is refused", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, uri } = await enrolledUser(auth, clock);
    await challenge(client, email);
    clock.advance(601);
    const r = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, err("INVALID_TWO_FACTOR_COOKIE"));
  });

  test("T#56/T#57: no cookie, or a two_factor cookie with a bad signature", async () => {
    const { auth } = makeAuth();
    const none = await new Client(auth).post("/two-factor/verify-totp", { code: "123456" });
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, err("INVALID_TWO_FACTOR_COOKIE"));
    const forged = new Client(auth);
    forged.jar.set("better-auth.two_factor", "2fa-forged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
    for (const path of ["/two-factor/verify-totp", "/two-factor/verify-otp", "/two-factor/verify-backup-code"]) {
      const r = await forged.post(path, { code: "123456" });
      assert.equal(r.status, 401, path);
      assert.deepEqual(r.body, err("INVALID_TWO_FACTOR_COOKIE"), path);
    }
    const send = await forged.post("/two-factor/send-otp", {});
    assert.equal(send.status, 401);
    assert.deepEqual(send.body, err("INVALID_TWO_FACTOR_COOKIE"));
  });
});

describe("OTP (T#22-T#29)", () => {
  test("username-less rememberMe=false sign-in, OTP before send, send, wrong, right", async () => {
    const { auth, clock, box } = makeAuth();
    const { client, email, userId } = await enrolledUser(auth, clock);
    await client.post("/sign-out", {});
    const r = await client.post("/sign-in/email", { email, password: PASSWORD, rememberMe: false });
    assert.deepEqual(r.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] });
    // T#22: dont_remember survives the gate and comes first
    assert.deepEqual(names(r.setCookies), [
      "better-auth.dont_remember",
      "better-auth.session_token",
      "better-auth.session_data",
      "better-auth.two_factor",
    ]);
    assert.ok(!expired(r.setCookies[0]));

    const early = await client.post("/two-factor/verify-otp", { code: "000000" });
    assert.equal(early.status, 400);
    assert.deepEqual(early.body, err("OTP_HAS_EXPIRED"));

    const sent = await client.post("/two-factor/send-otp", {});
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body, { status: true });
    assert.deepEqual(sent.setCookies, []);
    assert.equal(box.sent.length, 1);
    assert.equal(box.sent[0].email, email);
    const otp = box.last();
    assert.match(otp, /^[0-9]{6}$/);
    // stored hashed: the code is nowhere in the row
    const rows = await auth.context.store.findMany("twoFactorOtp", [{ field: "userId", value: userId }]);
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(otp));

    const wrong = await client.post("/two-factor/verify-otp", { code: otp === "999999" ? "999998" : "999999" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, err("INVALID_CODE"));

    const ok = await client.post("/two-factor/verify-otp", { code: otp });
    assert.equal(ok.status, 200);
    // T#26: browser-session cookie (no Max-Age), dont_remember re-set, two_factor expired
    assert.deepEqual(names(ok.setCookies), ["better-auth.session_token", "better-auth.dont_remember", "better-auth.two_factor"]);
    assert.doesNotMatch(ok.setCookies[0], /Max-Age/);
    assert.ok(!expired(ok.setCookies[1]) && expired(ok.setCookies[2]));
    const session = await client.get("/get-session");
    assert.equal(session.body.user.id, userId);
    // 1-day row for a "don't remember" session
    assert.equal(new Date(session.body.session.expiresAt).getTime(), clock.now() + 86400_000);

    // a used code is gone
    const again = await client.post("/two-factor/verify-otp", { code: otp });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, err("OTP_HAS_EXPIRED"));

    // T#29: on a session, send + verify answer {token,user} and touch no cookie
    const s = await client.post("/two-factor/send-otp", {});
    assert.deepEqual(s.body, { status: true });
    const v = await client.post("/two-factor/verify-otp", { code: box.last() });
    assert.equal(v.status, 200);
    assert.equal(v.body.token, session.body.session.token);
    assert.equal(v.body.user.id, userId);
    assert.deepEqual(v.setCookies, []);
  });

  test("an OTP expires after otpOptions.period minutes", async () => {
    const { auth, clock, box } = makeAuth({ advanced: { otpOptions: { period: 1 } } });
    const { client, email } = await enrolledUser(auth, clock);
    await challenge(client, email);
    await client.post("/two-factor/send-otp", {});
    clock.advance(61);
    const r = await client.post("/two-factor/verify-otp", { code: box.last() });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, err("OTP_HAS_EXPIRED"));
  });
});

describe("backup codes (T#28-T#35, T#40, T#101)", () => {
  test("generate, verify on a challenge, reuse fails, session path, status counts", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, backupCodes: original, userId } = await enrolledUser(auth, clock);
    assert.deepEqual((await client.get("/two-factor/backup-codes/status")).body, { total: 10, remaining: 10 });

    const badPassword = await client.post("/two-factor/generate-backup-codes", { password: "nope-nope" });
    assert.equal(badPassword.status, 400);
    assert.equal(badPassword.body.code, "INVALID_PASSWORD");
    const gen = await client.post("/two-factor/generate-backup-codes", { password: PASSWORD });
    assert.equal(gen.status, 200);
    assert.deepEqual(Object.keys(gen.body), ["status", "backupCodes"]);
    assert.equal(gen.body.status, true);
    assert.equal(gen.body.backupCodes.length, 10);
    assert.deepEqual(gen.setCookies, []);
    const codes: string[] = gen.body.backupCodes;
    // only the new set is stored, as HMAC-SHA-256 hex under the derived key
    const stored = await auth.context.store.findMany("twoFactorBackupCode", [{ field: "userId", value: userId }]);
    assert.equal(stored.length, 10);
    for (const row of stored) assert.match(row.codeHash as string, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(stored).includes(codes[0]));

    await challenge(client, email);
    const old = await client.post("/two-factor/verify-backup-code", { code: original[0] });
    assert.equal(old.status, 401);
    assert.deepEqual(old.body, err("INVALID_BACKUP_CODE"));
    const wrong = await client.post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" });
    assert.equal(wrong.status, 401);
    const ok = await client.post("/two-factor/verify-backup-code", { code: codes[0] });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body), ["token", "user"]);
    // T#33 cookie order
    assert.deepEqual(names(ok.setCookies), ["better-auth.session_token", "better-auth.two_factor"]);
    assert.ok(expired(ok.setCookies[1]));
    assert.deepEqual((await client.get("/two-factor/backup-codes/status")).body, { total: 10, remaining: 9 });

    // T#34: reuse on the session
    const reuse = await client.post("/two-factor/verify-backup-code", { code: codes[0] });
    assert.equal(reuse.status, 401);
    assert.deepEqual(reuse.body, err("INVALID_BACKUP_CODE"));
    // Issue 16 item 8 (a deliberate difference: Better Auth compares exactly): case, hyphen and spaces
    // do not matter; the alphabet has no look-alikes (0/O, 1/I/L) and no lower case.
    for (const c of codes) assert.match(c, /^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
    const lower = await client.post("/two-factor/verify-backup-code", { code: ` ${codes[2].replace("-", "").toLowerCase()} ` });
    assert.equal(lower.status, 200);
    const spent = await client.post("/two-factor/verify-backup-code", { code: codes[2] });
    assert.equal(spent.status, 401, "the same code in another spelling is the same code");
    // T#35
    const onSession = await client.post("/two-factor/verify-backup-code", { code: codes[1], disableSession: true });
    assert.equal(onSession.status, 200);
    assert.equal(onSession.body.token, ok.body.token);
    assert.deepEqual(onSession.setCookies, []);
    assert.deepEqual((await client.get("/two-factor/backup-codes/status")).body, { total: 10, remaining: 7 });
  });

  test("disableSession on a challenge spends the code and makes no session (T#101); Kernia leaves the challenge open", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, backupCodes, uri, userId } = await enrolledUser(auth, clock);
    await challenge(client, email);
    const r = await client.post("/two-factor/verify-backup-code", { code: backupCodes[0], disableSession: true });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["user"]);
    assert.equal(r.body.user.id, userId);
    assert.deepEqual(r.setCookies, []);
    assert.equal(await auth.context.store.count("session", [{ field: "userId", value: userId }]), 0);
    const again = await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] });
    assert.equal(again.status, 401);
    const totp = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(totp.status, 200);
  });

  test("T#40: generate while 2FA is off", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    const r = await client.post("/two-factor/generate-backup-codes", { password: PASSWORD });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, err("TWO_FACTOR_NOT_ENABLED"));
    assert.deepEqual((await client.get("/two-factor/backup-codes/status")).body, { total: 0, remaining: 0 });
  });
});

describe("disable (T#36-T#39, T#98)", () => {
  test("wrong password, disable rotates the session, removes every trusted device, next sign-in has no challenge", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, uri, userId } = await enrolledUser(auth, clock);
    await challenge(client, email);
    await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
    // a second trusted browser
    const other = new Client(auth);
    await other.post("/sign-in/email", { email, password: PASSWORD });
    clock.advance(30);
    await other.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
    assert.equal(await auth.context.store.count("twoFactorTrustedDevice", [{ field: "userId", value: userId }]), 2);

    const wrong = await client.post("/two-factor/disable", { password: "nope-nope" });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, { message: "Invalid password", code: "INVALID_PASSWORD" });

    const before = client.cookie("session_token");
    const done = await client.post("/two-factor/disable", { password: PASSWORD });
    assert.equal(done.status, 200);
    assert.deepEqual(done.body, { status: true });
    assert.deepEqual(names(done.setCookies), ["better-auth.session_token", "better-auth.trust_device"]);
    assert.match(done.setCookies[0], /; Max-Age=604800; /);
    assert.ok(expired(done.setCookies[1]));
    assert.notEqual(client.cookie("session_token"), before);
    assert.equal((await client.get("/get-session")).body.user.twoFactorEnabled, false);
    for (const model of ["twoFactor", "twoFactorBackupCode", "twoFactorTrustedDevice", "twoFactorConfirmation"]) {
      assert.equal(await auth.context.store.count(model, [{ field: "userId", value: userId }]), 0, model);
    }

    await client.post("/sign-out", {});
    const signIn = await client.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(signIn.body.redirect, false);
    assert.equal(signIn.body.user.twoFactorEnabled, false);
  });

  test("disable works when 2FA was never on (T#37 without a trust cookie: only the session cookie)", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    const r = await client.post("/two-factor/disable", { password: PASSWORD });
    assert.equal(r.status, 200);
    assert.deepEqual(names(r.setCookies), ["better-auth.session_token"]);
  });
});

describe("OTP-only users and the per-code cap (T#41-T#55)", () => {
  test("enable method=otp, challenge lists only otp, TOTP and backup codes are not enabled, cap of 5 per code", async () => {
    const { auth, clock, box } = makeAuth();
    const client = new Client(auth);
    const { email } = await signUp(client, undefined, "Bob");
    const before = client.cookie("session_token");
    const en = await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
    assert.equal(en.status, 200);
    assert.deepEqual(en.body, { method: "otp" });
    assert.deepEqual(names(en.setCookies), ["better-auth.session_token"]);
    assert.notEqual(client.cookie("session_token"), before);
    assert.equal((await client.get("/get-session")).body.user.twoFactorEnabled, true);

    const uri = await client.post("/two-factor/get-totp-uri", { password: PASSWORD });
    assert.equal(uri.status, 400);
    assert.deepEqual(uri.body, err("TOTP_NOT_ENABLED"));
    const badMethod = await client.post("/two-factor/enable", { password: PASSWORD, method: "sms" });
    assert.equal(badMethod.status, 400);
    assert.deepEqual(badMethod.body, { message: '[body.method] Invalid option: expected one of "otp"|"totp"', code: "VALIDATION_ERROR" });

    const c = await challenge(client, email);
    assert.deepEqual(c.body, { twoFactorRedirect: true, twoFactorMethods: ["otp"] });
    const totp = await client.post("/two-factor/verify-totp", { code: "123456" });
    assert.equal(totp.status, 400);
    assert.deepEqual(totp.body, err("TOTP_NOT_ENABLED"));
    const backup = await client.post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" });
    assert.equal(backup.status, 400);
    assert.deepEqual(backup.body, err("BACKUP_CODES_NOT_ENABLED"));

    assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    const otp = box.last();
    for (let i = 1; i <= 5; i++) {
      const wrong = await client.post("/two-factor/verify-otp", { code: `00000${i}` === otp ? "000009" : `00000${i}` });
      assert.equal(wrong.status, 401, `wrong #${i}`);
      assert.deepEqual(wrong.body, err("INVALID_CODE"));
    }
    const sixth = await client.post("/two-factor/verify-otp", { code: otp });
    assert.equal(sixth.status, 400);
    assert.deepEqual(sixth.body, err("TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"));
    const seventh = await client.post("/two-factor/verify-otp", { code: otp });
    assert.equal(seventh.status, 400);
    assert.deepEqual(seventh.body, err("OTP_HAS_EXPIRED"));
    // the challenge is still open: a new code works
    clock.advance(1);
    await client.post("/two-factor/send-otp");
    const ok = await client.post("/two-factor/verify-otp", { code: box.last() });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.email, email);
  });

  test("verify-otp on a session of a user without 2FA turns it on and rotates the session", async () => {
    const { auth, box } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    const before = client.cookie("session_token");
    await client.post("/two-factor/send-otp");
    const r = await client.post("/two-factor/verify-otp", { code: box.last() });
    assert.equal(r.status, 200);
    assert.equal(r.body.user.twoFactorEnabled, true);
    assert.notEqual(client.cookie("session_token"), before);
    assert.equal(unsign(client.cookie("session_token")!), r.body.token);
  });
});

describe("per-challenge cap and account lockout (T#59-T#77)", () => {
  test("5 failures, the 6th request ends the challenge even with the right code; 10 across challenges lock the account", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, uri, userId } = await enrolledUser(auth, clock);
    await challenge(client, email);
    for (let i = 1; i <= 5; i++) {
      const r = await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) });
      assert.equal(r.status, 401, `wrong #${i}`);
      assert.deepEqual(r.body, err("INVALID_CODE"));
    }
    const sixthCookie = client.cookie("two_factor")!;
    const sixth = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(sixth.status, 400);
    assert.deepEqual(sixth.body, err("TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"));
    assert.deepEqual(sixth.setCookies, ["better-auth.two_factor=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]);
    // consumed: a replay of the cookie is T#18's answer
    const replay = new Client(auth);
    replay.jar.set("better-auth.two_factor", sixthCookie);
    const seventh = await replay.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(seventh.status, 401);
    assert.deepEqual(seventh.body, err("INVALID_TWO_FACTOR_COOKIE"));
    assert.equal(await auth.context.store.count("twoFactorConfirmation", [{ field: "userId", value: userId }]), 0);

    await challenge(client, email);
    for (let i = 6; i <= 10; i++) {
      const r = await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) });
      assert.equal(r.status, 401, `wrong #${i}`);
    }
    const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
    assert.equal(row?.failedVerificationCount, 10);
    assert.equal((row!.lockedUntil as Date).getTime(), clock.now() + 900_000);

    await challenge(client, email);
    const locked = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(locked.status, 429);
    assert.deepEqual(locked.body, err("ACCOUNT_TEMPORARILY_LOCKED"));
    for (const path of ["/two-factor/verify-backup-code", "/two-factor/verify-otp"]) {
      const r = await client.post(path, { code: "AAAAA-BBBBB" });
      assert.equal(r.status, 429, path);
    }
    // the lock lapses after durationSeconds; success then resets the count
    clock.advance(901);
    await challenge(client, email);
    const ok = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(ok.status, 200);
    const after = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
    assert.equal(after?.failedVerificationCount, 0);
    assert.equal(after?.lockedUntil ?? null, null);
  });

  test("the session path has no challenge cap but the account's lockout budget (a deliberate difference: Better Auth has neither)", async () => {
    const { auth, clock } = makeAuth();
    const { client, uri } = await enrolledUser(auth, clock);
    // 9 wrong (more than a challenge's 5), then the right code: accepted, the count resets
    for (let i = 0; i < 9; i++) assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
    const ok = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.setCookies, []);
    // 10 wrong lock the account, the session path included (Better Auth 1.7.25: 200 here)
    for (let i = 0; i < 10; i++) assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
    clock.advance(30);
    const locked = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
    assert.equal(locked.status, 429);
    assert.deepEqual(locked.body, err("ACCOUNT_TEMPORARILY_LOCKED"));
    assert.equal(locked.headers.get("x-retry-after"), "870");
  });
});

describe("configuration (T#88-T#94) and options", () => {
  test("skipVerificationOnEnable, per-call issuer, no sendOtp", async () => {
    const { auth, clock } = makeAuth({ box: null, twoFactor: { skipVerificationOnEnable: true, issuer: "TopLevelIssuer" } });
    const client = new Client(auth);
    const { email } = await signUp(client, undefined, "Erin");
    const before = client.cookie("session_token");
    const en = await client.post("/two-factor/enable", { password: PASSWORD, issuer: "PerCallIssuer" });
    assert.equal(en.status, 200);
    assert.match(en.body.totpURI, /^otpauth:\/\/totp\/PerCallIssuer:[^?]+\?secret=[A-Z2-7]{52}&issuer=PerCallIssuer&digits=6&period=30$/);
    assert.deepEqual(names(en.setCookies), ["better-auth.session_token"]);
    assert.notEqual(client.cookie("session_token"), before);
    assert.equal((await client.get("/get-session")).body.user.twoFactorEnabled, true);

    // differs from T#90 on purpose: the configured issuer is used here too, so both URIs label alike
    const uri = await client.post("/two-factor/get-totp-uri", { password: PASSWORD });
    assert.match(uri.body.totpURI, /^otpauth:\/\/totp\/TopLevelIssuer:.*&issuer=TopLevelIssuer&/);
    assert.equal(uri.body.totpURI.split("secret=")[1], en.body.totpURI.split("secret=")[1].replace("PerCallIssuer", "TopLevelIssuer"));

    const send = await client.post("/two-factor/send-otp", {});
    assert.equal(send.status, 400);
    assert.deepEqual(send.body, { message: "otp isn't configured", code: "OTP_NOT_CONFIGURED" });
    const verify = await client.post("/two-factor/verify-otp", { code: "123456" });
    assert.equal(verify.status, 400);
    assert.equal(verify.body.code, "OTP_NOT_CONFIGURED");
    const otpEnable = await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
    assert.equal(otpEnable.status, 400);
    assert.deepEqual(otpEnable.body, { message: "OTP is not available", code: "OTP_NOT_CONFIGURED" });

    // T#94: totp only
    await client.post("/sign-out", {});
    const c = await client.post("/sign-in/email", { email, password: PASSWORD, callbackURL: "/dashboard" });
    assert.deepEqual(c.body, { twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    assert.equal(c.headers.get("location"), "/dashboard", "spec 10.6: Location kept");
    clock.advance(30);
    assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock) })).status, 200);
  });

  test("totpOptions.disable: enable and verify answer TOTP_NOT_CONFIGURED with Better Auth's two wordings", async () => {
    const { auth } = makeAuth({ advanced: { totpOptions: { disable: true } } });
    const client = new Client(auth);
    await signUp(client);
    const en = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(en.status, 400);
    assert.deepEqual(en.body, { message: "TOTP is not available", code: "TOTP_NOT_CONFIGURED" });
    const v = await client.post("/two-factor/verify-totp", { code: "123456" });
    assert.equal(v.status, 400);
    assert.deepEqual(v.body, { message: "totp isn't configured", code: "TOTP_NOT_CONFIGURED" });
  });

  test('advanced["two-factor"] wins over twoFactor(options), nested groups merge', async () => {
    const clock = new Clock();
    const { auth } = makeAuth({
      clock,
      twoFactor: { issuer: "FromPlugin", totpOptions: { digits: 8, period: 60 }, backupCodeOptions: { amount: 4 } },
      advanced: { issuer: "FromAdvanced", totpOptions: { digits: 7 } },
    });
    const client = new Client(auth);
    await signUp(client);
    const en = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.match(en.body.totpURI, /^otpauth:\/\/totp\/FromAdvanced:.*&issuer=FromAdvanced&digits=7&period=60$/);
    assert.equal(en.body.backupCodes.length, 4);
    const code = nodeCrypto.totp(secretFromUri(en.body.totpURI), { time: clock.now(), digits: 7, period: 60 });
    assert.equal((await client.post("/two-factor/verify-totp", { code })).status, 200);
  });

  test("bad options throw at init with a clear message", () => {
    const build = (o: object) => init({ secret: SECRET, baseURL: BASE, plugins: [twoFactor(o)], advanced: { crypto: nodeCrypto } });
    assert.throws(() => build({ totpOptions: { digits: 5 } }), RangeError);
    assert.throws(() => build({ otpOptions: { allowedAttempts: 1.5 } }), TypeError);
    assert.throws(() => build({ trustDeviceMaxAge: -1 }), RangeError);
    assert.throws(() => build({ otpOptions: { sendOtp: "nope" } }), /sendOtp/);
  });
});

describe("Kernia-only endpoints", () => {
  test("trusted devices: list with `current`, revoke one, revoke all", async () => {
    const { auth, clock } = makeAuth();
    const { client, email, uri } = await enrolledUser(auth, clock);
    const browsers: Client[] = [];
    for (let i = 0; i < 3; i++) {
      const b = new Client(auth);
      await b.post("/sign-in/email", { email, password: PASSWORD }, { "user-agent": `browser-${i}` });
      const r = await b.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true }, { "user-agent": `browser-${i}` });
      assert.equal(r.status, 200);
      clock.advance(30);
      browsers.push(b);
    }
    const list = await browsers[1].get("/two-factor/trusted-devices");
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 3);
    for (const d of list.body) assert.deepEqual(Object.keys(d).sort(), ["createdAt", "current", "expiresAt", "id", "userAgent"]);
    const current = list.body.filter((d: { current: boolean }) => d.current);
    assert.equal(current.length, 1);
    assert.equal(current[0].userAgent, "browser-1");
    // the public id is not the secret trustId
    const trustId = unsign(browsers[1].cookie("trust_device")!).split("!")[1];
    assert.ok(!list.text.includes(trustId));
    // the session without a trust cookie sees no current device
    assert.ok((await client.get("/two-factor/trusted-devices")).body.every((d: { current: boolean }) => !d.current));

    const missing = await browsers[1].post("/two-factor/trusted-devices/revoke", { id: "nope" });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, err("TRUSTED_DEVICE_NOT_FOUND"));
    const empty = await browsers[1].post("/two-factor/trusted-devices/revoke", {});
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, "VALIDATION_ERROR");

    const one = await browsers[1].post("/two-factor/trusted-devices/revoke", { id: current[0].id });
    assert.deepEqual(one.body, { status: true, revoked: 1 });
    assert.deepEqual(one.setCookies, ["better-auth.trust_device=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]);
    assert.equal((await client.get("/two-factor/trusted-devices")).body.length, 2);

    // a revoked device is challenged again
    const b0 = browsers[0];
    const all = await client.post("/two-factor/trusted-devices/revoke", { all: true });
    assert.deepEqual(all.body, { status: true, revoked: 2 });
    await b0.post("/sign-out", {});
    const again = await b0.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(again.body.twoFactorRedirect, true);
  });

  test("trusted devices expire after trustDeviceMaxAge", async () => {
    const { auth, clock } = makeAuth({ twoFactor: { trustDeviceMaxAge: 3600 } });
    const { client, email, uri } = await enrolledUser(auth, clock);
    await challenge(client, email);
    const v = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
    assert.match(cookieLine(v.setCookies, "trust_device")!, /Max-Age=3600;/);
    clock.advance(3601);
    const r = await challenge(client, email);
    assert.equal(r.body.twoFactorRedirect, true);
  });
});

describe("transport (T#95-T#100)", () => {
  test("https baseURL: __Secure- cookies through the challenge and trustDevice", async () => {
    const clock = new Clock();
    const origin = "https://auth.example.com";
    const { auth } = makeAuth({ clock, options: { baseURL: origin } });
    const client = new Client(auth, origin, "__Secure-better-auth.");
    const { email } = await signUp(client);
    const en = await client.post("/two-factor/enable", { password: PASSWORD });
    await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock) });
    clock.advance(30);
    await client.post("/sign-out", {});
    const c = await client.post("/sign-in/email", { email, password: PASSWORD, rememberMe: false });
    assert.deepEqual(names(c.setCookies), [
      "__Secure-better-auth.dont_remember",
      "__Secure-better-auth.session_token",
      "__Secure-better-auth.session_data",
      "__Secure-better-auth.two_factor",
    ]);
    for (const line of c.setCookies) assert.match(line, /; HttpOnly; Secure; SameSite=Lax$/);
    const v = await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock), trustDevice: true });
    // T#97
    assert.deepEqual(names(v.setCookies), [
      "__Secure-better-auth.session_token",
      "__Secure-better-auth.two_factor",
      "__Secure-better-auth.trust_device",
      "__Secure-better-auth.dont_remember",
    ]);
    assert.doesNotMatch(v.setCookies[0], /Max-Age/);
  });

  test("T#99/T#100: with rate limiting on, the 4th /two-factor/ request in 10 s is 429", async () => {
    // One trusted hop (the test plays the proxy), so the forwarded address names the client (issue 11).
    const { auth } = makeAuth({ options: { rateLimit: { enabled: true }, advanced: { ipAddress: { trustedProxies: 1 } } } });
    const client = new Client(auth);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Client["post"]>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await client.post("/two-factor/verify-totp", { code: "123456" }, { "x-forwarded-for": "203.0.113.7" });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.deepEqual(last!.body, { message: "Too many requests. Please try again later." });
    assert.ok(last!.headers.get("x-retry-after"));
  });
});

describe("crypto port", () => {
  test("the same flow on the node:crypto fallback port (advanced.crypto) as on the default WASM core", async () => {
    for (const crypto of [undefined, nodeCrypto]) {
      const { auth, clock, box } = makeAuth({ crypto });
      assert.equal(auth.context.crypto === nodeCrypto, crypto === nodeCrypto);
      const { client, email, uri, backupCodes } = await enrolledUser(auth, clock);
      await challenge(client, email);
      assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true })).status, 200);
      await client.post("/sign-out", {});
      assert.equal((await client.post("/sign-in/email", { email, password: PASSWORD })).body.redirect, false);
      const other = new Client(auth);
      await other.post("/sign-in/email", { email, password: PASSWORD });
      assert.equal((await other.post("/two-factor/verify-backup-code", { code: backupCodes[9] })).status, 200);
      await other.post("/two-factor/send-otp");
      assert.equal((await other.post("/two-factor/verify-otp", { code: box.last() })).status, 200);
    }
  });
});

describe("the gate covers every credential sign-in path", () => {
  test("/sign-in/email, /sign-in/username and /sign-in/phone-number all challenge; other paths are untouched", async () => {
    const { auth, clock } = makeAuth({ plugins: [username(), phoneNumber()] });
    const client = new Client(auth);
    const up = await client.post("/sign-up/email", {
      name: "Gate",
      email: "gate@example.com",
      password: PASSWORD,
      username: "gate_user",
      phoneNumber: "+15555550123",
    });
    assert.equal(up.status, 200);
    const en = await client.post("/two-factor/enable", { password: PASSWORD });
    await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock) });
    for (const [path, body] of [
      ["/sign-in/email", { email: "gate@example.com", password: PASSWORD }],
      ["/sign-in/username", { username: "GATE_USER", password: PASSWORD }],
      ["/sign-in/phone-number", { phoneNumber: "+15555550123", password: PASSWORD }],
    ] as const) {
      const c = new Client(auth);
      const r = await c.post(path, body);
      assert.equal(r.status, 200, path);
      assert.deepEqual(r.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] }, path);
      assert.ok(c.cookie("two_factor"), path);
      assert.equal(c.cookie("session_token"), undefined, path);
    }
    // a failed sign-in is left alone (no challenge for a wrong password)
    const bad = await new Client(auth).post("/sign-in/username", { username: "gate_user", password: "wrong-password" });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.twoFactorRedirect, undefined);
    assert.deepEqual(bad.setCookies, []);
  });
});
