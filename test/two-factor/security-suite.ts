/**
 * The rules where Kernia goes past Better Auth 1.7.25 (README, "Deliberate differences"), each shown by the attack it
 * stops: TOTP replay, challenge and OTP budgets under concurrent bursts, lockout (also for OTP-only
 * users), the OTP send cap, single-use backup codes and challenges, tampered cookies, and secrets that
 * never leave the server.
 *
 * A factory, like the store contract (test/store/contract.ts): every instance the suite makes stores its
 * rows in `makeDatabase()`, so security.test.ts runs it on the memory store and security.mongodb.test.ts
 * on a real MongoDB.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { Adapter } from "../../src/adapters/types.js";
import type { Kernia } from "../../src/auth/types.js";
import { decryptSecret, deriveKeys, encryptSecret } from "../../src/plugins/two-factor/secret-box.js";
import { TWO_FACTOR_ERROR_CODES } from "../../src/plugins/two-factor/index.js";
import { readReply } from "../helpers/client.js";
import {
  challenge,
  Client,
  enrolledUser,
  makeAuth as makeAuthOn,
  type MakeAuthConfig,
  PASSWORD,
  SECRET,
  secretFromUri,
  signUp,
  totpAt,
  wrongTotp,
  type Reply,
} from "../helpers/two-factor.js";

export function securitySuite(makeDatabase: () => Adapter): void {
  const makeAuth = (config: MakeAuthConfig = {}) => makeAuthOn({ ...config, database: makeDatabase() });

  const sessionsOf = (auth: Kernia, userId: string) => auth.context.store.count("session", [{ field: "userId", value: userId }]);

  function sign(value: string): string {
    return encodeURIComponent(`${value}.${createHmac("sha256", SECRET).update(value).digest("base64")}`);
  }

  describe("TOTP codes are single use (RFC 6238 section 5.2)", () => {
    test("the enrolment code cannot be replayed at sign-in, nor a sign-in code on a new challenge or the session", async () => {
      const { auth, clock } = makeAuth();
      const client = new Client(auth);
      const { email } = await signUp(client);
      const en = await client.post("/two-factor/enable", { password: PASSWORD });
      const code = totpAt(en.body.totpURI, clock);
      assert.equal((await client.post("/two-factor/verify-totp", { code })).status, 200);

      // same step, same code, on a sign-in challenge: refused (Better Auth accepts it, T#9/T#17)
      await challenge(client, email);
      const replay = await client.post("/two-factor/verify-totp", { code });
      assert.equal(replay.status, 401);
      // issue 16 item 8: the person is told to wait for the next code (was INVALID_CODE)
      assert.deepEqual(replay.body, { code: "TOTP_CODE_ALREADY_USED", message: "This code was already used. Wait for the next code." });
      // an older step inside the window is refused too once a later one was used
      clock.advance(30);
      const next = totpAt(en.body.totpURI, clock);
      assert.equal((await client.post("/two-factor/verify-totp", { code: next })).status, 200);
      clock.advance(1);

      // new challenge, same code: refused
      await challenge(client, email);
      assert.equal((await client.post("/two-factor/verify-totp", { code: next })).status, 401);
      // the previous step (still inside the +-1 window) is refused: it is <= the last used step
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock, -1) })).status, 401);
      // the next step is accepted
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock, 1) })).status, 200);

      // session path (step-up): the code just used is refused, a fresh one accepted once
      const stepUp = await client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock, 1) });
      assert.equal(stepUp.status, 401);
      clock.advance(60);
      const fresh = totpAt(en.body.totpURI, clock);
      assert.equal((await client.post("/two-factor/verify-totp", { code: fresh })).status, 200);
      assert.equal((await client.post("/two-factor/verify-totp", { code: fresh })).status, 401);
    });

    test("100 concurrent step-up requests with one code: exactly one accepted", async () => {
      const { auth, clock } = makeAuth();
      const { client, uri, userId } = await enrolledUser(auth, clock);
      const code = totpAt(uri, clock);
      const replies = await Promise.all(Array.from({ length: 100 }, () => client.post("/two-factor/verify-totp", { code })));
      assert.equal(replies.filter((r) => r.status === 200).length, 1);
      // Issue 11 item 2: the session path has the lockout budget, so guesses beyond the slots in flight
      // are refused (429) before any compare; the others are told the code was used (was: 99 x 401).
      const rest = replies.filter((r) => r.status !== 200);
      assert.ok(
        rest.every(
          (r) =>
            (r.status === 401 && r.body.code === "TOTP_CODE_ALREADY_USED") ||
            (r.status === 429 && r.body.code === "ACCOUNT_TEMPORARILY_LOCKED"),
        ),
      );
      const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
      assert.equal(row?.lockedUntil ?? null, null, "a burst of right codes does not lock");
    });
  });

  describe("challenge budget and single use", () => {
    test("the sixth wrong attempt ends the challenge; the budget is configurable", async () => {
      const { auth, clock } = makeAuth({ twoFactor: { maxChallengeAttempts: 2 } });
      const { client, email, uri } = await enrolledUser(auth, clock);
      await challenge(client, email);
      const pending = client.clone();
      assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
      assert.equal((await client.post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" })).status, 401);
      const third = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
      assert.equal(third.status, 400);
      assert.equal(third.body.code, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
      // the challenge was consumed: a client that ignores the expired cookie gets nowhere (T#18 shape)
      const after = await pending.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
      assert.equal(after.status, 401);
      assert.equal(after.body.code, "INVALID_TWO_FACTOR_COOKIE");
    });

    test("100 concurrent wrong guesses on one challenge: only maxChallengeAttempts are checked", async () => {
      const { auth, clock } = makeAuth({ twoFactor: { accountLockout: { enabled: false } } });
      const { client, email, uri } = await enrolledUser(auth, clock);
      await challenge(client, email);
      const wrong = wrongTotp(uri, clock);
      const replies = await Promise.all(Array.from({ length: 100 }, () => client.clone().post("/two-factor/verify-totp", { code: wrong })));
      assert.equal(replies.filter((r) => r.body.code === "INVALID_CODE").length, 5);
      // the rest are refused before any code check: over the cap, or after the spent challenge was consumed
      const refused = replies.filter((r) => r.body.code !== "INVALID_CODE");
      assert.ok(refused.every((r) => ["TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "INVALID_TWO_FACTOR_COOKIE"].includes(r.body.code)));
      // once every reserved slot has failed, the next request consumes the spent challenge
      const next = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
      assert.ok(["TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "INVALID_TWO_FACTOR_COOKIE"].includes(next.body.code));
      assert.equal(await auth.context.store.count("twoFactorConfirmation", []), 0);
    });

    test("100 concurrent right TOTP codes on one challenge create exactly one session", async () => {
      const { auth, clock } = makeAuth();
      const { client, email, uri, userId } = await enrolledUser(auth, clock);
      await challenge(client, email);
      assert.equal(await sessionsOf(auth, userId), 0);
      const code = totpAt(uri, clock);
      const replies = await Promise.all(Array.from({ length: 100 }, () => client.clone().post("/two-factor/verify-totp", { code })));
      assert.equal(replies.filter((r) => r.status === 200).length, 1);
      assert.equal(await sessionsOf(auth, userId), 1);
    });

    test("100 concurrent backup-code verifications of one challenge (distinct valid codes) create exactly one session", async () => {
      const { auth, clock } = makeAuth();
      const { client, email, backupCodes, userId } = await enrolledUser(auth, clock);
      await challenge(client, email);
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) => client.clone().post("/two-factor/verify-backup-code", { code: backupCodes[i % 10] })),
      );
      assert.equal(replies.filter((r) => r.status === 200).length, 1);
      assert.equal(await sessionsOf(auth, userId), 1);
    });

    test("100 concurrent verify-backup-code requests with one code: exactly one success", async () => {
      const { auth, clock } = makeAuth();
      const { client, backupCodes, userId } = await enrolledUser(auth, clock);
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => client.post("/two-factor/verify-backup-code", { code: backupCodes[3] })),
      );
      assert.equal(replies.filter((r) => r.status === 200).length, 1);
      // Issue 11 item 2: the session path has the lockout budget (429 beyond the slots in flight; was all 401).
      assert.ok(
        replies
          .filter((r) => r.status !== 200)
          .every(
            (r) =>
              (r.status === 401 && r.body.code === "INVALID_BACKUP_CODE") ||
              (r.status === 429 && r.body.code === "ACCOUNT_TEMPORARILY_LOCKED"),
          ),
      );
      const used = await auth.context.store.count("twoFactorBackupCode", [
        { field: "userId", value: userId },
        { field: "usedAt", operator: "ne", value: null },
      ]);
      assert.equal(used, 1);
    });
  });

  describe("account lockout", () => {
    test("10 failures across challenges lock a TOTP user (429), also with the right code", async () => {
      const { auth, clock } = makeAuth();
      const { client, email, uri } = await enrolledUser(auth, clock);
      let failures = 0;
      while (failures < 10) {
        await challenge(client, email);
        for (let i = 0; i < 4 && failures < 10; i++, failures++) {
          assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
        }
      }
      await challenge(client, email);
      const locked = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
      assert.equal(locked.status, 429);
      assert.deepEqual(locked.body, { message: TWO_FACTOR_ERROR_CODES.ACCOUNT_TEMPORARILY_LOCKED, code: "ACCOUNT_TEMPORARILY_LOCKED" });
    });

    test("an OTP-only user is locked too (Better Auth never locks them), and the lock lifts after durationSeconds", async () => {
      const { auth, clock, box } = makeAuth({ advanced: { accountLockout: { durationSeconds: 120 } } });
      const client = new Client(auth);
      const { email, userId } = await signUp(client);
      await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
      await challenge(client, email);
      for (let round = 0; round < 2; round++) {
        await client.post("/two-factor/send-otp");
        const otp = box.last();
        for (let i = 0; i < 5; i++) {
          const r = await client.post("/two-factor/verify-otp", { code: otp === "000000" ? "111111" : "000000" });
          assert.equal(r.status, 401);
        }
      }
      const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
      assert.equal(row?.secret ?? null, null, "counter row carries no TOTP secret");
      assert.equal(row?.failedVerificationCount, 10);
      await client.post("/two-factor/send-otp");
      const locked = await client.post("/two-factor/verify-otp", { code: box.last() });
      assert.equal(locked.status, 429);
      assert.equal(locked.body.code, "ACCOUNT_TEMPORARILY_LOCKED");
      // the counter row does not make TOTP or backup codes appear
      const c = await challenge(client, email);
      assert.deepEqual(c.body.twoFactorMethods, ["otp"]);
      clock.advance(600); // past the lock (120 s) and into a new send window
      await challenge(client, email);
      await client.post("/two-factor/send-otp");
      const ok = await client.post("/two-factor/verify-otp", { code: box.last() });
      assert.equal(ok.status, 200);
    });
  });

  describe("account lockout under concurrent bursts", () => {
    test("12 concurrent wrong guesses on 12 challenges: exactly maxFailedAttempts are compared, then the lock holds", async () => {
      const { auth, clock } = makeAuth({ twoFactor: { accountLockout: { maxFailedAttempts: 4 } } });
      const { client, email, uri, userId } = await enrolledUser(auth, clock);
      const clients = [];
      for (let i = 0; i < 12; i++) {
        const c = client.clone();
        await challenge(c, email);
        clients.push(c);
      }
      const wrong = wrongTotp(uri, clock);
      const replies = await Promise.all(clients.map((c) => c.post("/two-factor/verify-totp", { code: wrong })));
      assert.equal(replies.filter((r) => r.body.code === "INVALID_CODE").length, 4);
      assert.equal(replies.filter((r) => r.status === 429 && r.body.code === "ACCOUNT_TEMPORARILY_LOCKED").length, 8);
      const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
      assert.equal(row?.failedVerificationCount, 4);
      assert.ok(row?.lockedUntil instanceof Date, "locked");
      await challenge(client, email);
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) })).status, 429);
    });

    test("an OTP-only user's first guesses race to create the counter row: still exactly maxFailedAttempts compared", async () => {
      const { auth, box } = makeAuth({
        advanced: { accountLockout: { maxFailedAttempts: 4 }, otpOptions: { allowedAttempts: 100 } },
      });
      const client = new Client(auth);
      const { email, userId } = await signUp(client);
      await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
      await challenge(client, email);
      await client.post("/two-factor/send-otp");
      const wrong = box.last() === "000000" ? "111111" : "000000";
      const replies = await Promise.all(Array.from({ length: 12 }, () => client.clone().post("/two-factor/verify-otp", { code: wrong })));
      assert.equal(replies.filter((r) => r.body.code === "INVALID_CODE").length, 4);
      assert.equal(replies.filter((r) => r.status === 429).length, 8);
      assert.equal(await auth.context.store.count("twoFactor", [{ field: "userId", value: userId }]), 1);
    });

    test("a check that ends before comparing (no OTP sent) does not use up the budget", async () => {
      const { auth } = makeAuth({ advanced: { accountLockout: { maxFailedAttempts: 2 } } });
      const client = new Client(auth);
      const { email, userId } = await signUp(client);
      await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
      await challenge(client, email);
      for (let i = 0; i < 5; i++) {
        assert.equal((await client.post("/two-factor/verify-otp", { code: "123456" })).body.code, "OTP_HAS_EXPIRED");
      }
      const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
      assert.equal(row?.failedVerificationCount ?? 0, 0);
    });
  });

  describe("OTP send cap", () => {
    test("the 4th send in a window is 429 TOO_MANY_OTP_REQUESTS; the next window allows again", async () => {
      const { auth, clock, box } = makeAuth();
      const { client, email } = await enrolledUser(auth, clock);
      await challenge(client, email);
      for (let i = 0; i < 3; i++) assert.equal((await client.post("/two-factor/send-otp")).status, 200);
      const capped = await client.post("/two-factor/send-otp");
      assert.equal(capped.status, 429);
      assert.deepEqual(capped.body, { message: TWO_FACTOR_ERROR_CODES.TOO_MANY_OTP_REQUESTS, code: "TOO_MANY_OTP_REQUESTS" });
      assert.equal(box.sent.length, 3, "no code delivered over the cap");
      // the cap is per user, not per challenge or session
      const other = new Client(auth);
      await other.post("/sign-in/email", { email, password: PASSWORD });
      assert.equal((await other.post("/two-factor/send-otp")).status, 429);
      clock.advance(600);
      await challenge(client, email);
      assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    });

    test("100 concurrent sends deliver exactly maxSendsPerWindow codes", async () => {
      const { auth, clock, box } = makeAuth();
      const { client, email } = await enrolledUser(auth, clock);
      await challenge(client, email);
      const replies = await Promise.all(Array.from({ length: 100 }, () => client.post("/two-factor/send-otp")));
      assert.equal(replies.filter((r) => r.status === 200).length, 3);
      assert.equal(box.sent.length, 3);
    });

    test("100 concurrent guesses on one OTP: at most allowedAttempts are compared", async () => {
      const { auth, clock, box } = makeAuth({ advanced: { accountLockout: { enabled: false } } });
      const { client, email } = await enrolledUser(auth, clock);
      await challenge(client, email);
      await client.post("/two-factor/send-otp");
      const wrong = box.last() === "000000" ? "111111" : "000000";
      const replies = await Promise.all(Array.from({ length: 100 }, () => client.post("/two-factor/verify-otp", { code: wrong })));
      assert.equal(replies.filter((r) => r.status === 401).length, 5);
    });
  });

  describe("tampered cookies", () => {
    test("a two_factor cookie with a changed value or signature is refused", async () => {
      const { auth, clock } = makeAuth();
      const { client, email, uri } = await enrolledUser(auth, clock);
      await challenge(client, email);
      const real = client.cookie("two_factor")!;
      const decoded = decodeURIComponent(real);
      const flippedValue = encodeURIComponent(
        (decoded[5] === "A" ? decoded.slice(0, 5) + "B" : decoded.slice(0, 5) + "A") + decoded.slice(6),
      );
      const flippedSig = real.slice(0, -4) + (real.slice(-4, -3) === "A" ? "B" : "A") + real.slice(-3);
      // a correctly signed id that names no challenge
      const unknown = sign("2fa-AAAAAAAAAAAAAAAAAAAA");
      for (const value of [flippedValue, flippedSig, unknown]) {
        const forged = new Client(auth);
        forged.jar.set("better-auth.two_factor", value);
        const r = await forged.post("/two-factor/verify-totp", { code: totpAt(uri, clock) });
        assert.equal(r.status, 401, value);
        assert.equal(r.body.code, "INVALID_TWO_FACTOR_COOKIE");
      }
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) })).status, 200);
    });

    test("a trust_device cookie that is tampered, forged or another user's is refused and expired", async () => {
      const { auth, clock } = makeAuth();
      const alice = await enrolledUser(auth, clock);
      const bob = await enrolledUser(auth, clock);
      await challenge(alice.client, alice.email);
      await alice.client.post("/two-factor/verify-totp", { code: totpAt(alice.uri, clock), trustDevice: true });
      const real = alice.client.cookie("trust_device")!;
      const [mac, trustId] = decodeURIComponent(real).slice(0, decodeURIComponent(real).lastIndexOf(".")).split("!");

      const cases: Record<string, string> = {
        badSignature: real.slice(0, -4) + (real.slice(-4, -3) === "A" ? "B" : "A") + real.slice(-3),
        // signed with the real secret but with a made-up trustId: the HMAC binding fails
        forgedTrustId: sign(`${mac}!trust-device-${"A".repeat(32)}`),
        // a valid HMAC for a trustId with no server record
        noRecord: sign(
          `${createHmac("sha256", SECRET)
            .update(`${alice.userId}!trust-device-${"B".repeat(32)}`)
            .digest("base64url")}!trust-device-${"B".repeat(32)}`,
        ),
        garbage: sign("not-a-trust-value"),
      };
      for (const [name, value] of Object.entries(cases)) {
        const c = new Client(auth);
        c.jar.set("better-auth.trust_device", value);
        const r = await c.post("/sign-in/email", { email: alice.email, password: PASSWORD });
        assert.equal(r.body.twoFactorRedirect, true, name);
      }
      // Alice's real cookie does not trust Bob's account, and is expired there
      const asBob = new Client(auth);
      asBob.jar.set("better-auth.trust_device", real);
      const r = await asBob.post("/sign-in/email", { email: bob.email, password: PASSWORD });
      assert.equal(r.body.twoFactorRedirect, true);
      assert.match(r.setCookies[0], /^better-auth\.trust_device=; Max-Age=0;/);
      // ...and still works for Alice
      const ok = new Client(auth);
      ok.jar.set("better-auth.trust_device", real);
      assert.equal((await ok.post("/sign-in/email", { email: alice.email, password: PASSWORD })).body.redirect, false);
      assert.ok(trustId.startsWith("trust-device-"));
    });
  });

  describe("secrets stay on the server", () => {
    test("at rest: AES-256-GCM, bound to the user, tamper-evident", () => {
      const keys = deriveKeys(SECRET);
      const box = encryptSecret(keys.secretBox, "user-1", "abcdefghijklmnopqrstuvwxyz012345");
      assert.match(box, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      assert.ok(!box.includes("abcdefghij"));
      assert.equal(decryptSecret(keys.secretBox, "user-1", box), "abcdefghijklmnopqrstuvwxyz012345");
      assert.notEqual(encryptSecret(keys.secretBox, "user-1", "x"), encryptSecret(keys.secretBox, "user-1", "x"), "random IV");
      assert.equal(decryptSecret(keys.secretBox, "user-2", box), null, "other user's row");
      assert.equal(decryptSecret(deriveKeys(SECRET + "x").secretBox, "user-1", box), null, "other secret");
      const parts = box.split(".");
      const body = Buffer.from(parts[2], "base64url");
      body[0] ^= 1;
      assert.equal(decryptSecret(keys.secretBox, "user-1", [parts[0], parts[1], body.toString("base64url"), parts[3]].join(".")), null);
      // per-purpose keys differ from each other
      assert.notDeepEqual(keys.secretBox, keys.backupCode);
      assert.notDeepEqual(keys.backupCode, keys.otp);
    });

    test("a full flow never shows the secret, its ciphertext, code hashes or OTPs outside the enrolment answers, nor in logs", async () => {
      const logged: string[] = [];
      const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug };
      for (const k of Object.keys(saved) as (keyof typeof saved)[]) {
        console[k] = (...args: unknown[]) =>
          logged.push(args.map((a) => (a instanceof Error ? `${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      }
      const replies: { path: string; reply: Reply }[] = [];
      try {
        const { auth, clock, box } = makeAuth();
        const client = new Client(auth);
        const record = async (p: Promise<Reply>, path: string) => {
          const reply = await p;
          replies.push({ path, reply });
          return reply;
        };
        const { email, userId } = await signUp(client);
        const en = await record(client.post("/two-factor/enable", { password: PASSWORD }), "enable");
        const uri = en.body.totpURI as string;
        await record(client.post("/two-factor/get-totp-uri", { password: PASSWORD }), "get-totp-uri");
        await record(client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) }), "x");
        await record(client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) }), "x");
        const gen = await record(client.post("/two-factor/generate-backup-codes", { password: PASSWORD }), "generate");
        await record(client.get("/two-factor/backup-codes/status"), "x");
        await record(client.post("/sign-out", {}), "x");
        await record(client.post("/sign-in/email", { email, password: PASSWORD }), "x");
        await record(client.post("/two-factor/send-otp"), "x");
        await record(client.post("/two-factor/verify-otp", { code: "000000" }), "x");
        await record(client.post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" }), "x");
        clock.advance(30);
        await record(client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true }), "x");
        await record(client.get("/two-factor/trusted-devices"), "x");
        await record(client.get("/get-session"), "x");
        await record(client.post("/two-factor/verify-backup-code", { code: gen.body.backupCodes[0] }), "x");
        await record(client.post("/two-factor/send-otp"), "x");
        await record(client.post("/two-factor/verify-otp", { code: box.last() }), "x");
        // server-side calls too
        await record(auth.api.getBackupCodeStatus({ headers: { cookie: client.cookieHeader() }, asResponse: true }).then(readReply), "x");
        // a corrupted row is a 500 with a generic body, not a leak
        const row = await auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
        const storedSecret = row!.secret as string;
        await auth.context.store.update("twoFactor", [{ field: "userId", value: userId }], {
          // The tag's last two characters changed (to "AA", or "QQ" if they were "AA" already).
          secret: storedSecret.slice(0, -2) + (storedSecret.endsWith("AA") ? "QQ" : "AA"),
        });
        const broken = await record(client.post("/two-factor/get-totp-uri", { password: PASSWORD }), "x");
        assert.equal(broken.status, 500);
        await auth.context.store.update("twoFactor", [{ field: "userId", value: userId }], { secret: storedSecret });
        await record(client.post("/two-factor/disable", { password: PASSWORD }), "x");

        const base32 = new URL(uri).searchParams.get("secret")!;
        const raw = Buffer.from(secretFromUri(uri)).toString("latin1");
        const hashes = (await auth.context.store.findMany("twoFactorBackupCode", [])).map((r) => r.codeHash as string);
        const needles: Record<string, string[]> = {
          base32: [base32],
          raw: [raw],
          ciphertext: [storedSecret, storedSecret.split(".")[2]],
          otps: box.sent.map((s) => s.otp),
          codes: [...en.body.backupCodes, ...gen.body.backupCodes],
          hashes,
        };
        assert.ok(raw.length === 32 && base32.length === 52);
        for (const { path, reply } of replies) {
          const headerLines: string[] = [];
          reply.headers.forEach((v, k) => headerLines.push(`${k}: ${v}`));
          const wire = [reply.text, ...reply.setCookies, ...headerLines].join("\n");
          for (const [kind, list] of Object.entries(needles)) {
            if (kind === "base32" && (path === "enable" || path === "get-totp-uri")) continue;
            if (kind === "codes" && (path === "enable" || path === "generate")) continue;
            for (const needle of list) assert.ok(!wire.includes(needle), `${kind} leaked in a ${path} reply: ${wire.slice(0, 200)}`);
          }
          if (path === "enable" || path === "get-totp-uri") assert.ok(!wire.includes(raw));
        }
        const logs = logged.join("\n");
        for (const [kind, list] of Object.entries(needles)) {
          for (const needle of list) assert.ok(!logs.includes(needle), `${kind} leaked in console output`);
        }
      } finally {
        Object.assign(console, saved);
      }
      assert.ok(replies.length > 15);
    });
  });
}
