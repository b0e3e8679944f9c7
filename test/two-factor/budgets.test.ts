/**
 * The per-user lockout budget on every path that compares a second-factor code (issue 11 items 2 and 7):
 * the session path (step-up checks) shares the challenge path's budget; the budget is reserved only when
 * a code is actually compared; in-flight reservations never set the lock by themselves; a reservation
 * whose process died does not hold the account at the cap forever; a null counter (imported rows) is 0.
 * The concurrent cases run over a store that takes 2 ms per operation, so requests really overlap.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter } from "../../src/adapters/types.js";
import { interceptedAdapter } from "../helpers/intercept.js";
import { challenge, Client, enrolledUser, makeAuth, PASSWORD, signUp, totpAt, wrongTotp, type Reply } from "../helpers/two-factor.js";

/** The memory adapter with `ms` of latency before every operation (a stand-in for a remote database). */
function slowAdapter(ms: number): Adapter {
  return interceptedAdapter(memoryAdapter(), "slow", async (_op, _args, run) => {
    await new Promise((r) => setTimeout(r, ms));
    return run();
  });
}

const MAX = 10;
type Made = ReturnType<typeof makeAuth>;
const rowOf = (made: Made, userId: string) => made.auth.context.store.findOne("twoFactor", [{ field: "userId", value: userId }]);
const isLock = (r: Reply) => r.status === 429 && r.body.code === "ACCOUNT_TEMPORARILY_LOCKED";
const wrongOtp = (otp: string) => (otp === "000000" ? "111111" : "000000");

function assertRetryAfter(r: Reply, max: number): void {
  const v = r.headers.get("x-retry-after");
  assert.ok(v !== null && /^[0-9]+$/.test(v), `X-Retry-After on a lock answer, got ${v}`);
  assert.ok(Number(v) >= 1 && Number(v) <= max, `X-Retry-After ${v} within 1..${max}`);
}

describe("the session path has the account's lockout budget (a deliberate difference from Better Auth)", () => {
  test("60 wrong step-up TOTP codes: 10 answered 401, the rest 429 with X-Retry-After, even the right code", async () => {
    const made = makeAuth();
    const { client, uri, userId } = await enrolledUser(made.auth, made.clock);
    const replies: Reply[] = [];
    for (let i = 0; i < 60; i++) replies.push(await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, made.clock) }));
    assert.equal(replies.filter((r) => r.status === 401).length, MAX);
    assert.ok(replies.slice(MAX).every(isLock));
    for (const r of replies.slice(MAX)) assertRetryAfter(r, 900);
    const right = await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) });
    assert.ok(isLock(right));
    const row = await rowOf(made, userId);
    assert.equal(row?.failedVerificationCount, MAX);
    // the lock lapses; a right code then resets the count
    made.clock.advance(901);
    assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) })).status, 200);
    assert.equal((await rowOf(made, userId))?.failedVerificationCount, 0);
  });

  test("60 concurrent wrong guesses on each session-path verify (2 ms store): at most the budget is compared", async () => {
    for (const kind of ["totp", "backup", "otp"] as const) {
      const made = makeAuth({ database: slowAdapter(2) });
      const { client, uri, userId } = await enrolledUser(made.auth, made.clock);
      let send: () => Promise<Reply>;
      if (kind === "otp") {
        assert.equal((await client.post("/two-factor/send-otp")).status, 200);
        const otp = made.box.last();
        const body = { code: wrongOtp(otp) };
        // a fresh OTP allows 5 guesses of its own; raise nothing here: both budgets must hold
        send = () => client.post("/two-factor/verify-otp", body);
      } else if (kind === "backup") {
        send = () => client.post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" });
      } else {
        const body = { code: wrongTotp(uri, made.clock) };
        send = () => client.post("/two-factor/verify-totp", body);
      }
      const replies = await Promise.all(Array.from({ length: 60 }, send));
      const compared = replies.filter((r) => r.status === 401).length;
      assert.ok(compared <= MAX, `${kind}: ${compared} codes compared`);
      assert.ok(compared >= 1, `${kind}: some code was compared`);
      assert.ok(
        replies.every((r) => r.status === 401 || isLock(r) || r.body.code === "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"),
        `${kind}: ${JSON.stringify(replies.map((r) => r.body.code))}`,
      );
      for (const r of replies.filter(isLock)) assertRetryAfter(r, 900);
      const row = await rowOf(made, userId);
      assert.ok(typeof row?.failedVerificationCount === "number" && row.failedVerificationCount <= MAX, kind);
    }
  });
});

describe("the budget is spent only when a code is compared", () => {
  test("30 concurrent verify-otp with no OTP sent (2 ms store) leave the account unlocked and its budget whole", async () => {
    const made = makeAuth({ database: slowAdapter(2) });
    const client = new Client(made.auth);
    const { email, userId } = await signUp(client);
    assert.equal((await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" })).status, 200);
    await challenge(client, email);
    const replies = await Promise.all(Array.from({ length: 30 }, () => client.clone().post("/two-factor/verify-otp", { code: "123456" })));
    assert.ok(
      replies.every((r) => r.status === 400 && r.body.code === "OTP_HAS_EXPIRED"),
      JSON.stringify(replies.map((r) => r.body.code)),
    );
    const row = await rowOf(made, userId);
    assert.equal(row?.lockedUntil ?? null, null);
    assert.equal(row?.failedVerificationCount ?? 0, 0);
    assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    const ok = await client.post("/two-factor/verify-otp", { code: made.box.last() });
    assert.equal(ok.status, 200);
  });

  test("a burst of 30 copies of the right OTP (2 ms store): one session, and the account is left unlocked", async () => {
    const made = makeAuth({ database: slowAdapter(2) });
    const client = new Client(made.auth);
    const { email, userId } = await signUp(client);
    assert.equal((await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" })).status, 200);
    await challenge(client, email);
    assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    const code = made.box.last();
    const replies = await Promise.all(Array.from({ length: 30 }, () => client.clone().post("/two-factor/verify-otp", { code })));
    assert.equal(replies.filter((r) => r.status === 200).length, 1);
    assert.equal(await made.auth.context.store.count("session", [{ field: "userId", value: userId }]), 1);
    const row = await rowOf(made, userId);
    assert.equal(row?.lockedUntil ?? null, null, "not locked");
    // and the next sign-in works at once
    await challenge(client, email);
    assert.equal((await client.post("/two-factor/send-otp")).status, 200);
    assert.equal((await client.post("/two-factor/verify-otp", { code: made.box.last() })).status, 200);
  });

  test("a burst of 30 copies of the right step-up TOTP code (2 ms store): one success, the rest told to wait, no lock", async () => {
    const made = makeAuth({ database: slowAdapter(2) });
    const { client, uri, userId } = await enrolledUser(made.auth, made.clock);
    const code = totpAt(uri, made.clock);
    const replies = await Promise.all(Array.from({ length: 30 }, () => client.post("/two-factor/verify-totp", { code })));
    assert.equal(replies.filter((r) => r.status === 200).length, 1);
    assert.ok(replies.every((r) => r.status === 200 || isLock(r) || r.body.code === "TOTP_CODE_ALREADY_USED"));
    assert.equal((await rowOf(made, userId))?.lockedUntil ?? null, null);
    made.clock.advance(30);
    assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) })).status, 200);
  });

  test("a reservation whose process died does not hold the account at the cap forever", async () => {
    const made = makeAuth();
    const { client, uri, userId } = await enrolledUser(made.auth, made.clock);
    const store = made.auth.context.store;
    // The state a crashed process leaves: every slot reserved, no lock, the last reservation 10 minutes old.
    await store.update("twoFactor", [{ field: "userId", value: userId }], {
      failedVerificationCount: MAX,
      lockedUntil: null,
      lastGuessAt: new Date(made.clock.now() - 600_000),
    });
    const r = await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) });
    // treated as if the last guess had locked: the lock ends durationSeconds after that reservation
    assert.ok(isLock(r));
    assertRetryAfter(r, 300);
    made.clock.advance(301);
    assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) })).status, 200);
    assert.equal((await rowOf(made, userId))?.failedVerificationCount, 0);
  });
});

describe("rows written elsewhere", () => {
  test("a twoFactor row whose failedVerificationCount is null counts as 0, not as locked (issue 16 item 1)", async () => {
    const made = makeAuth();
    const { client, email, uri, userId } = await enrolledUser(made.auth, made.clock);
    await made.auth.context.store.update("twoFactor", [{ field: "userId", value: userId }], { failedVerificationCount: null });
    await challenge(client, email);
    const ok = await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    made.clock.advance(30);
    await made.auth.context.store.update("twoFactor", [{ field: "userId", value: userId }], { failedVerificationCount: null });
    await challenge(client, email);
    const wrong = await client.post("/two-factor/verify-totp", { code: wrongTotp(uri, made.clock) });
    assert.equal(wrong.status, 401);
    assert.equal((await rowOf(made, userId))?.failedVerificationCount, 1);
  });
});
