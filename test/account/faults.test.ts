/**
 * A store failure at every step of the account flows, in both modes of test/helpers/faulty-store.ts
 * ("before": nothing written; "after": written, then the error). After each faulty request:
 * - the answer is a 2xx, or an error with a JSON {message} body (never a hang);
 * - no half state: the password is the old one or the new one, never neither; a failed request leaves
 *   no session it did not deliver; a deletion removes everything or nothing;
 * - a retry without the fault reaches the flow's goal (with the same link or session when the failed
 *   request left them usable, else as a user would: a new link, a new sign-in).
 * The number of steps comes from a clean run of the same flow.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { AccountMail, Kernia } from "../../src/auth/types.js";
import { rowsOf } from "./helpers.js";
import { fastPasswords } from "../helpers/fast-passwords.js";
import { FaultController, faultyAdapter, type FaultMode } from "../helpers/faulty-store.js";
import { Client, Clock, enrolledUser, makeAuth, PASSWORD, totpAt, type Reply } from "../helpers/two-factor.js";

const NEW_PASSWORD = "a-new-password-1";
const TIMEOUT_MS = 5_000;

const consoleError = console.error;
before(() => {
  console.error = () => {};
});
after(() => {
  console.error = consoleError;
});

interface World {
  auth: Kernia;
  ctl: FaultController;
  clock: Clock;
  mails: AccountMail[];
  owner: Client;
  other: Client;
  email: string;
  userId: string;
  uri: string;
  memo: Record<string, string>;
}

async function newWorld(): Promise<World> {
  const ctl = new FaultController();
  const mails: AccountMail[] = [];
  const clock = new Clock();
  const { auth } = makeAuth({
    clock,
    database: faultyAdapter(memoryAdapter(), ctl),
    options: {
      emailAndPassword: { sendResetPassword: (m) => void mails.push(m) },
      emailVerification: { sendVerificationEmail: (m) => void mails.push(m), autoSignInAfterVerification: true },
      user: { deleteUser: { enabled: true } },
    },
  });
  ctl.enabled = false;
  // scrypt costs ~50 ms a hash; this suite builds one world per step and mode. The stand-in keeps one
  // store read per check and distinct hashes per password (see helpers/fast-passwords.ts).
  fastPasswords(auth, PASSWORD);
  const { client: owner, email, userId, uri } = await enrolledUser(auth, clock);
  const other = new Client(auth);
  assert.equal((await other.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
  assert.equal((await other.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true })).status, 200);
  clock.advance(30);
  return { auth, ctl, clock, mails, owner, other, email, userId, uri, memo: {} };
}

interface Flow {
  name: string;
  setup(w: World): Promise<void>;
  act(w: World): Promise<Reply>;
  check(w: World, answer: Reply): Promise<string[]>;
  retry(w: World): Promise<void>;
}

async function signsIn(w: World, password: string): Promise<boolean> {
  const r = await new Client(w.auth).post("/sign-in/email", { email: w.email, password });
  return r.status === 200;
}

/** A failed request leaves the old password, a successful one the new: never both, never neither. */
async function passwordState(w: World, answer: Reply): Promise<string[]> {
  const oldWorks = await signsIn(w, PASSWORD);
  const newWorks = await signsIn(w, NEW_PASSWORD);
  const expectNew = answer.status === 200;
  const out: string[] = [];
  if (oldWorks === expectNew) out.push(`old password ${oldWorks ? "still" : "no longer"} signs in`);
  if (newWorks !== expectNew) out.push(`new password ${newWorks ? "signs in" : "does not sign in"}`);
  return out;
}

/** The fault hit the consume itself with its reply lost: the only case a link may be spent by a failure. */
function lostConsume(w: World): boolean {
  return w.ctl.mode === "after" && w.ctl.trace[w.ctl.failAt - 1] === "deleteOne(verification)";
}

/** Sessions whose token no browser of the test holds: a failed request must not leave one behind. */
async function undeliveredSessions(w: World, holders: Client[]): Promise<string[]> {
  const held = new Set(holders.map((c) => decodeURIComponent(c.cookie("session_token") ?? "").split(".")[0]));
  const rows = await w.auth.context.store.findMany("session", [{ field: "userId", value: w.userId }]);
  return rows.filter((r) => !held.has(r.token as string)).map((r) => `undelivered session ${r.id}`);
}

const flows: Flow[] = [
  {
    name: "reset-password",
    async setup(w) {
      assert.equal((await new Client(w.auth).post("/request-password-reset", { email: w.email })).status, 200);
      w.memo.token = w.mails.at(-1)!.token;
    },
    act: (w) => new Client(w.auth).post("/reset-password", { token: w.memo.token, newPassword: NEW_PASSWORD }),
    async check(w, answer) {
      return passwordState(w, answer);
    },
    async retry(w) {
      if (await signsIn(w, NEW_PASSWORD)) return;
      const again = await new Client(w.auth).post("/reset-password", { token: w.memo.token, newPassword: NEW_PASSWORD });
      if (again.status !== 200) {
        // The token was spent by a write whose reply was lost: the user asks for a new link.
        assert.ok(lostConsume(w), `the link still works after a failed reset (${again.text})`);
        assert.equal(again.body.code, "INVALID_TOKEN");
        await flows[0].setup(w);
        assert.equal((await new Client(w.auth).post("/reset-password", { token: w.memo.token, newPassword: NEW_PASSWORD })).status, 200);
      }
      assert.ok(await signsIn(w, NEW_PASSWORD));
      const next = await new Client(w.auth).post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
      assert.equal(next.body.twoFactorRedirect, true, "two-factor still gates sign-in");
    },
  },
  {
    name: "change-password with revokeOtherSessions",
    async setup() {},
    act: (w) => w.owner.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, revokeOtherSessions: true }),
    async check(w, answer) {
      return [...(await passwordState(w, answer)), ...(await undeliveredSessions(w, [w.owner, w.other]))];
    },
    async retry(w) {
      let session = (await w.owner.get("/get-session")).body;
      if (!session) {
        const password = (await signsIn(w, NEW_PASSWORD)) ? NEW_PASSWORD : PASSWORD;
        w.owner.jar.clear();
        await w.owner.post("/sign-in/email", { email: w.email, password });
        assert.equal((await w.owner.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) })).status, 200);
        w.clock.advance(30);
        session = (await w.owner.get("/get-session")).body;
        if (password === NEW_PASSWORD) return; // the change had landed
      }
      const r = await w.owner.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, revokeOtherSessions: true });
      if (r.status !== 200) assert.equal(r.body.code, "INVALID_PASSWORD"); // it had landed after all
      assert.ok(await signsIn(w, NEW_PASSWORD));
    },
  },
];

/** A user without two-factor (so verification may sign in), created by set-up; w.memo.plainId. */
async function plainUser(w: World): Promise<Client> {
  const c = new Client(w.auth);
  const r = await c.post("/sign-up/email", { name: "P", email: "plain@example.com", password: PASSWORD });
  w.memo.plainId = r.body.user.id;
  return c;
}

flows.push({
  name: "verify-email with autoSignInAfterVerification",
  async setup(w) {
    const c = await plainUser(w);
    assert.equal((await c.post("/send-verification-email", { email: "plain@example.com" })).status, 200);
    w.memo.token = w.mails.at(-1)!.token;
    await c.post("/sign-out");
  },
  act: (w) => w.other.get(`/verify-email?token=${w.memo.token}`),
  async check(w, answer) {
    const user = await w.auth.context.users.findById(w.memo.plainId);
    const out: string[] = [];
    if (user?.emailVerified !== (answer.status === 200)) out.push(`emailVerified ${user?.emailVerified} after ${answer.status}`);
    const sessions = await w.auth.context.store.count("session", [{ field: "userId", value: w.memo.plainId }]);
    if (sessions !== (answer.status === 200 ? 1 : 0)) out.push(`${sessions} sessions after ${answer.status}`);
    return out;
  },
  async retry(w) {
    if ((await w.auth.context.users.findById(w.memo.plainId))?.emailVerified) return;
    const again = await new Client(w.auth).get(`/verify-email?token=${w.memo.token}`);
    if (again.status !== 200) {
      assert.ok(lostConsume(w), `the link still works after a failed verification (${again.text})`);
      const c = new Client(w.auth);
      await c.post("/sign-in/email", { email: "plain@example.com", password: PASSWORD });
      await c.post("/send-verification-email", { email: "plain@example.com" });
      assert.equal((await c.get(`/verify-email?token=${w.mails.at(-1)!.token}`)).status, 200);
    }
    assert.equal((await w.auth.context.users.findById(w.memo.plainId))?.emailVerified, true);
  },
});

flows.push({
  name: "delete-user (all or nothing)",
  async setup(w) {
    const pending = new Client(w.auth);
    await pending.post("/sign-in/email", { email: w.email, password: PASSWORD });
    assert.equal((await pending.post("/two-factor/send-otp")).status, 200);
    w.memo.before = JSON.stringify(await rowsOf(w.auth, w.userId));
  },
  act: (w) => w.owner.post("/delete-user", { password: PASSWORD }),
  async check(w, answer) {
    const now = await rowsOf(w.auth, w.userId);
    if (answer.status === 200) {
      return Object.entries(now)
        .filter(([, n]) => n !== 0)
        .map(([m, n]) => `${n} ${m} rows left after the deletion`);
    }
    const now2 = JSON.stringify(now);
    return now2 === w.memo.before ? [] : [`rows changed by a failed deletion: ${w.memo.before} -> ${now2}`];
  },
  async retry(w) {
    if ((await rowsOf(w.auth, w.userId)).user === 1) {
      assert.equal((await w.owner.post("/delete-user", { password: PASSWORD })).status, 200);
    }
    for (const [model, n] of Object.entries(await rowsOf(w.auth, w.userId))) assert.equal(n, 0, model);
  },
});

async function within<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("request hung")), TIMEOUT_MS)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function faultSuite(list: Flow[]): void {
  for (const flow of list) {
    test(`${flow.name}: a failure at every store step, both modes`, async () => {
      const clean = await newWorld();
      await flow.setup(clean);
      clean.ctl.reset(0);
      const ok = await flow.act(clean);
      clean.ctl.enabled = false;
      assert.equal(ok.status, 200, `clean run: ${ok.text}`);
      const steps = clean.ctl.ops;
      assert.ok(steps > 0);
      for (const mode of ["before", "after"] as FaultMode[]) {
        for (let i = 1; i <= steps; i++) {
          const w = await newWorld();
          await flow.setup(w);
          w.ctl.reset(i, mode);
          const answer = await within(flow.act(w));
          w.ctl.enabled = false;
          const where = `${flow.name}, step ${i} ${mode} (${w.ctl.trace[i - 1]})`;
          if (answer.status !== 200) {
            assert.ok(answer.status >= 400, where);
            assert.equal(typeof answer.body?.message, "string", `${where}: error body`);
          }
          assert.deepEqual(await flow.check(w, answer), [], where);
          await flow.retry(w);
        }
      }
    });
  }
}

describe("account flows under store faults", () => {
  faultSuite(flows);
});
