/**
 * The request-scoped compensation list (EndpointContext.onFailure): a request that ends with an error
 * runs the undos it registered, newest first, best effort, before its error answer is built; a
 * successful one runs none. Then the core's own users of it: issueSession and sign-up, under a store
 * whose chosen write fails before or after being applied (a reply lost, as with MongoDB over a network).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { targetedFaultAdapter, type TargetedFault } from "../helpers/faulty-store.js";
import { APIError, BASE_ERROR_CODES, type Plugin } from "../../src/index.js";
import type { EndpointContext, Hook } from "../../src/auth/types.js";
import { post, signUp, testAuth } from "../helpers/auth.js";

const SECRET_TEXT = "duplicate key: token=abc123SECRET";

/** console.error lines of the test, so a log check can look for leaks (and the output stays quiet). */
let logged: string[] = [];
const realError = console.error;
beforeEach(() => {
  logged = [];
  console.error = (...args: unknown[]) =>
    void logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
});
afterEach(() => {
  console.error = realError;
});

type Step = "before-hook" | "handler" | "after-hook";

/**
 * A plugin whose POST /x registers undos (recording into `ran`) and whose chosen step throws `failure`.
 * `failure` null: nothing throws.
 */
function probe(ran: string[], opts: { throwAt: Step | null; failure?: () => unknown; badUndo?: boolean }): Plugin {
  const fail = (step: Step) => {
    if (opts.throwAt === step) throw (opts.failure ?? (() => APIError.from(400, BASE_ERROR_CODES, "BAD_REQUEST")))();
  };
  const hook = (step: Step, register: (ctx: EndpointContext) => void): Hook => ({
    matches: (ctx) => ctx.path === "/x",
    async handler(ctx) {
      register(ctx);
      fail(step);
    },
  });
  return {
    id: "probe",
    endpoints: {
      probe: {
        method: "POST",
        path: "/x",
        async handler(ctx) {
          ctx.onFailure(async () => void ran.push("handler-1"));
          if (opts.badUndo) {
            ctx.onFailure(async () => {
              ran.push("bad");
              throw new Error(SECRET_TEXT);
            }, "undo the probe write");
          }
          ctx.onFailure(async () => void ran.push("handler-2"));
          fail("handler");
          return { ok: true };
        },
      },
    },
    hooks: {
      before: [hook("before-hook", (ctx) => ctx.onFailure(async () => void ran.push("before")))],
      after: [
        hook("after-hook", (ctx) => {
          ran.push(`after-hook saw status ${ctx.response.status}`);
          ctx.onFailure(async () => void ran.push("after"));
        }),
      ],
    },
  };
}

describe("onFailure: the compensation list", () => {
  test("a successful request runs none of its undos", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: null })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(ran, ["after-hook saw status 200"]);
  });

  test("a handler's APIError runs the undos newest first, before the after-hooks; the answer is the APIError", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "handler" })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { message: BASE_ERROR_CODES.BAD_REQUEST, code: "BAD_REQUEST" });
    // The after-hook sees the state the failed handler leaves (already compensated); what it registers
    // itself is kept, since the request then ends without a further error.
    assert.deepEqual(ran, ["handler-2", "handler-1", "before", "after-hook saw status 400"]);
  });

  test("an unexpected error runs them too and answers the generic 500", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "handler", failure: () => new TypeError(SECRET_TEXT) })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { message: BASE_ERROR_CODES.INTERNAL_SERVER_ERROR, code: "INTERNAL_SERVER_ERROR" });
    assert.deepEqual(ran, ["handler-2", "handler-1", "before"]);
  });

  test("an after-hook that throws after a successful handler undoes the handler's and its own writes", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "after-hook" })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 400);
    assert.deepEqual(ran, ["after-hook saw status 200", "after", "handler-2", "handler-1", "before"]);
  });

  test("a before-hook that throws undoes what it registered; the handler never runs", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "before-hook" })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 400);
    assert.deepEqual(ran, ["before"]);
  });

  test("a failing undo does not stop the others, does not turn a 4xx into a 5xx, and logs no error text", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "handler", badUndo: true })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { message: BASE_ERROR_CODES.BAD_REQUEST, code: "BAD_REQUEST" });
    assert.deepEqual(ran, ["handler-2", "bad", "handler-1", "before", "after-hook saw status 400"]);
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.match(logged[0], /could not undo the probe write .*\(Error\)/);
    assert.ok(!logged.some((l) => l.includes("SECRET")), "the undo's error text stays out of the log");
  });

  test("with a 500, a failing undo leaves the generic body", async () => {
    const ran: string[] = [];
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "handler", badUndo: true, failure: () => new Error("boom") })] });
    const res = await post(auth, "/x", {});
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes("SECRET") && !text.includes("boom"), text);
    assert.deepEqual(ran, ["handler-2", "bad", "handler-1", "before"]);
  });

  test("auth.api: the undos run and the call rejects with the original error", async () => {
    const ran: string[] = [];
    const original = new RangeError("original");
    const auth = testAuth({ plugins: [probe(ran, { throwAt: "handler", failure: () => original })] });
    await assert.rejects(auth.api.probe({ body: {} }), (e) => e === original);
    assert.deepEqual(ran, ["handler-2", "handler-1", "before"]);
  });
});

// ---- a store whose chosen write fails (test/helpers/faulty-store.ts) ----

const ALICE = { name: "Alice", email: "alice@example.com", password: "password1234" };

describe("core compensations under a failing store", () => {
  for (const mode of ["before", "after"] as const) {
    for (const [op, model] of [
      ["create", "user"],
      ["create", "account"],
      ["create", "session"],
    ] as const) {
      test(`sign-up: ${op}(${model}) fails ${mode}: no user, account or session is left; a retry signs up`, async () => {
        const plan = { fault: null as TargetedFault | null, hits: 0 };
        const auth = testAuth({ database: targetedFaultAdapter(memoryAdapter(), plan) });
        plan.fault = { op, model, mode };
        const failed = await signUp(auth, ALICE);
        assert.equal(plan.hits, 1);
        assert.equal(failed.status, 500);
        assert.ok(!failed.setCookies.some((l) => l.includes("session_token=") && !/Max-Age=0/.test(l)), "no session cookie");
        const store = auth.context.store;
        assert.equal(await store.count("user", []), 0);
        assert.equal(await store.count("account", []), 0);
        assert.equal(await store.count("session", []), 0);
        const again = await signUp(auth, ALICE);
        assert.equal(again.status, 200, JSON.stringify(again.json));
        assert.equal((await post(auth, "/sign-in/email", { email: ALICE.email, password: ALICE.password })).status, 200);
      });
    }
  }

  test("sign-up that loses the email race to a concurrent sign-up deletes nothing of the winner's", async () => {
    const plan = { fault: null as TargetedFault | null, hits: 0 };
    const auth = testAuth({ database: targetedFaultAdapter(memoryAdapter(), plan) });
    const [a, b] = await Promise.all([signUp(auth, ALICE), signUp(auth, ALICE)]);
    assert.deepEqual([a.status, b.status].sort(), [200, 422]);
    assert.equal(await auth.context.store.count("user", []), 1);
    assert.equal(await auth.context.store.count("account", []), 1);
    assert.equal((await post(auth, "/sign-in/email", { email: ALICE.email, password: ALICE.password })).status, 200);
  });

  test("issueSession: an after-hook failing after sign-in removes the session row and its Set-Cookie lines", async () => {
    const plan = { fault: null as TargetedFault | null, hits: 0 };
    const failing: Plugin = {
      id: "late-failure",
      hooks: {
        after: [
          {
            matches: (ctx) => ctx.path === "/sign-in/email" && ctx.newSession !== null,
            async handler() {
              throw APIError.from(403, BASE_ERROR_CODES, "EMAIL_NOT_VERIFIED");
            },
          },
        ],
      },
    };
    const auth = testAuth({ database: targetedFaultAdapter(memoryAdapter(), plan), plugins: [failing] });
    await signUp(auth, ALICE);
    const before = await auth.context.store.count("session", []);
    const res = await post(auth, "/sign-in/email", { email: ALICE.email, password: ALICE.password, rememberMe: false });
    assert.equal(res.status, 403);
    assert.deepEqual(res.headers.getSetCookie(), [], "neither session_token nor dont_remember is delivered");
    assert.equal(await auth.context.store.count("session", []), before);
  });

  test("rotateSession: when deleting the old row fails, the old session stays valid and the new one is gone", async () => {
    const plan = { fault: null as TargetedFault | null, hits: 0 };
    const rotating: Plugin = {
      id: "rotate",
      endpoints: {
        rotate: {
          method: "POST",
          path: "/rotate",
          async handler(ctx) {
            const fresh = await ctx.rotateSession(await ctx.requireSession());
            return { token: fresh.session.token };
          },
        },
      },
    };
    const auth = testAuth({ database: targetedFaultAdapter(memoryAdapter(), plan), plugins: [rotating] });
    const { cookie } = await signUp(auth, ALICE);
    plan.fault = { op: "deleteMany", model: "session", mode: "before" };
    const res = await post(auth, "/rotate", {}, cookie);
    assert.equal(res.status, 500);
    assert.equal(plan.hits, 1);
    assert.equal(await auth.context.store.count("session", []), 1, "only the old session");
    const still = await auth.api.getSession({ headers: { cookie } });
    assert.equal(still?.user.email, ALICE.email);
  });
});
