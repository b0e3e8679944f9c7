/**
 * Codes as people type them, and the lock as people meet it (issue 16 item 8, server side): backup
 * codes without look-alike characters, accepted in any case and with or without the hyphen (sets
 * issued before keep their exact comparison); a reused TOTP code says to wait; send-otp refuses while
 * locked; every lock answer says for how long. And the backup-code restore that never revives another
 * request's spend (issue 10 item 5).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter, Row, Where } from "../../src/adapters/types.js";
import { interceptedAdapter } from "../helpers/intercept.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { deriveKeys } from "../../src/plugins/two-factor/secret-box.js";
import {
  challenge,
  Client,
  enrolledUser,
  makeAuth,
  PASSWORD,
  SECRET,
  signUp,
  totpAt,
  wrongTotp,
  type Reply,
} from "../helpers/two-factor.js";

const realError = console.error;
beforeEach(() => {
  console.error = () => {};
});
afterEach(() => {
  console.error = realError;
});

const lockAnswer = (r: Reply) => r.status === 429 && r.body.code === "ACCOUNT_TEMPORARILY_LOCKED";

describe("backup codes people can type", () => {
  test("the alphabet has no 0/O, 1/I/L or lower case; 10 characters of 31 symbols", async () => {
    const { auth, clock } = makeAuth({ twoFactor: { backupCodeOptions: { amount: 100 } } });
    const { backupCodes } = await enrolledUser(auth, clock);
    const seen = new Set(backupCodes.join("").replaceAll("-", ""));
    for (const c of "0O1ILl") assert.ok(!seen.has(c), `look-alike ${c}`);
    assert.ok([...seen].every((c) => /[A-Z2-9]/.test(c)));
    assert.ok(seen.size > 25, "100 codes use (nearly) the whole alphabet");
    for (const code of backupCodes) assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  });

  test("any case, with or without the hyphen, spaces around: the same code, spent once", async () => {
    const { auth, clock } = makeAuth();
    const { client, backupCodes } = await enrolledUser(auth, clock);
    const [a, b] = backupCodes;
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: a.toLowerCase() })).status, 200);
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: a })).status, 401);
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: ` ${b.replace("-", "")} ` })).status, 200);
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: b.replace("-", "").toLowerCase() })).status, 401);
  });

  test("a set issued before (mixed case, hyphen in the hash) is still compared exactly", async () => {
    const { auth, clock } = makeAuth();
    const { client, userId } = await enrolledUser(auth, clock);
    const store = auth.context.store;
    const key = deriveKeys(SECRET).backupCode;
    const legacy = "AbCdE-fGh1j";
    await store.create("twoFactorBackupCode", {
      id: "legacy-1",
      userId,
      generation: "legacy-set",
      codeHash: Buffer.from(nodeCrypto.hashBackupCode(key, legacy)).toString("hex"),
      usedAt: null,
    });
    await store.update("twoFactor", [{ field: "userId", value: userId }], { backupCodes: "legacy-set" });
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: legacy.toUpperCase() })).status, 401);
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: legacy })).status, 200);
  });
});

describe("a reused TOTP code and the lock, as the person sees them", () => {
  test("the right code again in its step: 401 TOTP_CODE_ALREADY_USED with Kernia's message", async () => {
    const { auth, clock } = makeAuth();
    const { client, uri } = await enrolledUser(auth, clock);
    const code = totpAt(uri, clock);
    assert.equal((await client.post("/two-factor/verify-totp", { code })).status, 200);
    const again = await client.post("/two-factor/verify-totp", { code });
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, { message: "This code was already used. Wait for the next code.", code: "TOTP_CODE_ALREADY_USED" });
    // a wrong code is still just wrong
    assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).body.code, "INVALID_CODE");
  });

  test("while locked, send-otp refuses (no code delivered) and every lock answer carries X-Retry-After", async () => {
    const { auth, clock, box } = makeAuth({ advanced: { accountLockout: { maxFailedAttempts: 2, durationSeconds: 300 } } });
    const { client, email, uri, backupCodes } = await enrolledUser(auth, clock);
    await challenge(client, email);
    for (let i = 0; i < 2; i++) assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) })).status, 401);
    clock.advance(100);
    const answers: Record<string, Reply> = {
      "send-otp": await client.post("/two-factor/send-otp"),
      "verify-totp": await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock) }),
      "verify-backup-code": await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] }),
      "verify-otp": await client.post("/two-factor/verify-otp", { code: "123456" }),
    };
    for (const [path, r] of Object.entries(answers)) {
      assert.ok(lockAnswer(r), `${path}: ${r.status} ${r.text}`);
      assert.equal(r.headers.get("x-retry-after"), "200", path);
    }
    assert.equal(box.sent.length, 0, "no code was sent to a locked account");
    clock.advance(201);
    assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    assert.equal((await client.post("/two-factor/verify-otp", { code: box.last() })).status, 200);
  });
});

describe("the backup-code restore is this request's own (issue 10 item 5)", () => {
  /**
   * The memory store, where the first spend of a backup code (an update setting usedAt) is preceded by
   * another request's spend of the same code in the same millisecond, and then fails without applying.
   */
  function racingAdapter(now: () => number): { adapter: Adapter; armed: { on: boolean; fired: number } } {
    const armed = { on: false, fired: 0 };
    const adapter = interceptedAdapter(memoryAdapter(), "racing", async (op, args, run, store) => {
      const [model, where, data] = args as [string, readonly Where[], Partial<Row>];
      if (op === "update" && armed.on && model === "twoFactorBackupCode" && data.usedAt instanceof Date) {
        armed.on = false;
        armed.fired += 1;
        const id = where.find((w) => w.field === "id")!;
        await store.update(model, [id], { usedAt: new Date(now()) });
        throw new Error("injected: the spend did not reach the store");
      }
      return run();
    });
    return { adapter, armed };
  }

  test("a failed spend's undo leaves a concurrent request's spend of the same code (same millisecond) in place", async () => {
    let clockNow = () => 0;
    const { adapter, armed } = racingAdapter(() => clockNow());
    const { auth, clock } = makeAuth({ database: adapter });
    clockNow = clock.now;
    const { client, userId, backupCodes } = await enrolledUser(auth, clock);
    armed.on = true;
    const r = await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] });
    assert.equal(armed.fired, 1);
    assert.equal(r.status, 500);
    const used = await auth.context.store.count("twoFactorBackupCode", [
      { field: "userId", value: userId },
      { field: "usedAt", operator: "ne", value: null },
    ]);
    assert.equal(used, 1, "the other request's spend survived this request's undo");
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 401);
  });
});

describe("OTP-only users keep a single counter row", () => {
  test("the first guess creates it with no secret; sign-up users without 2FA have none", async () => {
    const { auth, box } = makeAuth();
    const client = new Client(auth);
    const { email, userId } = await signUp(client);
    assert.equal(await auth.context.store.count("twoFactor", [{ field: "userId", value: userId }]), 0);
    await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
    await challenge(client, email);
    await client.post("/two-factor/send-otp");
    assert.equal((await client.post("/two-factor/verify-otp", { code: box.last() === "000000" ? "111111" : "000000" })).status, 401);
    const rows = await auth.context.store.findMany("twoFactor", [{ field: "userId", value: userId }]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].secret ?? null, null);
    assert.equal(rows[0].failedVerificationCount, 1);
  });
});

describe("backup-code rows one client can create are bounded", () => {
  test("refused or repeated enables leave one set of rows", async () => {
    const { auth, clock } = makeAuth();
    const { client, userId } = await enrolledUser(auth, clock);
    const rows = () => auth.context.store.count("twoFactorBackupCode", [{ field: "userId", value: userId }]);
    for (let i = 0; i < 20; i++)
      assert.equal((await client.post("/two-factor/enable", { password: PASSWORD })).body.code, "TOTP_ALREADY_ENABLED");
    assert.equal(await rows(), 10);
    const other = new Client(auth);
    const fresh = await signUp(other);
    for (let i = 0; i < 20; i++) assert.equal((await other.post("/two-factor/enable", { password: PASSWORD })).status, 200);
    assert.equal(await auth.context.store.count("twoFactorBackupCode", [{ field: "userId", value: fresh.userId }]), 10);
  });
});
