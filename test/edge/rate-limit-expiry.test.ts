/**
 * Issue 11 item 3: rate-limit state is bounded. Each request is one atomic store operation on a row
 * keyed by address, path and fixed window; the row carries a Date `expiresAt` (the model's
 * expiresAtField, so MongoDB gets a TTL index), dead rows are swept, and a sustained stream of distinct
 * addresses leaves only the current windows' rows behind.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { BASE_URL, testAuth } from "../helpers/auth.js";
import { CAPTURED_AT, Clock } from "../helpers/clock.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Store } from "../../src/adapters/types.js";
import { SWEEP_MS } from "../../src/auth/rate-limit.js";
import type { Kernia } from "../../src/auth/types.js";

function setup(onCall?: (op: string, model: string) => void): { auth: Kernia; clock: Clock } {
  const clock = new Clock(CAPTURED_AT);
  clock.ms = Math.ceil(clock.ms / 60_000) * 60_000;
  const database = {
    name: "counting",
    bind(schema: Parameters<ReturnType<typeof memoryAdapter>["bind"]>[0]): Store {
      const inner = memoryAdapter().bind(schema);
      return new Proxy(inner, {
        get(target, op: string) {
          const f = (target as any)[op];
          return typeof f === "function" ? (model: string, ...rest: unknown[]) => (onCall?.(op, model), f.call(target, model, ...rest)) : f;
        },
      });
    },
  };
  return { auth: testAuth({ rateLimit: { enabled: true }, database }, clock), clock };
}

const getSession = (auth: Kernia, ip: string) => auth.handler(new Request(`${BASE_URL}/api/auth/get-session`), { remoteAddress: ip });

describe("rate-limit rows expire", () => {
  test("the rateLimit model declares a Date expiresAt as its expiresAtField", () => {
    const { auth } = setup();
    const model = auth.context.schema.rateLimit;
    assert.equal(model.expiresAtField, "expiresAt");
    assert.equal(model.fields.expiresAt.type, "date");
  });

  test("one store operation per limited request, an upsert (no read-then-write)", async () => {
    const calls: string[] = [];
    const { auth } = setup((op, model) => calls.push(`${op}:${model}`));
    await getSession(auth, "198.51.100.1"); // the first request also starts the sweeper
    calls.length = 0;
    for (let i = 0; i < 5; i++) await getSession(auth, `198.51.100.${i}`);
    assert.deepEqual(calls, Array(5).fill("upsert:rateLimit"));
  });

  test("a row's expiresAt is its window's end; dead rows are swept once their window is over", async () => {
    const { auth, clock } = setup();
    const start = clock.ms;
    await getSession(auth, "198.51.100.1");
    const [row] = await auth.context.store.findMany("rateLimit", []);
    assert.ok(row.expiresAt instanceof Date);
    assert.equal((row.expiresAt as Date).getTime(), start + 10_000);
    clock.advance(SWEEP_MS / 1000 + 1);
    await getSession(auth, "198.51.100.2");
    await tick();
    const left = await auth.context.store.findMany("rateLimit", []);
    assert.deepEqual(
      left.map((r) => String(r.key).split("|")[0]),
      ["198.51.100.2"],
    );
  });

  test("sustained stream of distinct addresses: live rows stay bounded by the current windows", async () => {
    const { auth, clock } = setup();
    let peak = 0;
    const perSecond = 50;
    for (let s = 0; s < 120; s++) {
      for (let i = 0; i < perSecond; i++) {
        const n = s * perSecond + i;
        assert.equal((await getSession(auth, `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`)).status, 200);
      }
      await tick();
      peak = Math.max(peak, await auth.context.store.count("rateLimit", []));
      clock.advance(1);
    }
    // 6000 distinct clients; a row lives for at most its 10 s window plus one sweep interval.
    const bound = perSecond * (10 + SWEEP_MS / 1000 + 1);
    assert.ok(peak <= bound, `peak ${peak} rows > ${bound}`);
    assert.ok(peak < 6000 / 4);
  });

  test("a burst of 20 from one address never overshoots max in a window, across a window boundary too", async () => {
    const { auth, clock } = setup();
    const signIn = () =>
      auth.handler(
        new Request(`${BASE_URL}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "nobody@example.com", password: "password1234" }),
        }),
        { remoteAddress: "203.0.113.1" },
      );
    const first = await Promise.all(Array.from({ length: 20 }, signIn));
    assert.equal(first.filter((r) => r.status !== 429).length, 3);
    clock.advance(10);
    const second = await Promise.all(Array.from({ length: 20 }, signIn));
    assert.equal(second.filter((r) => r.status !== 429).length, 3);
  });
});

describe("rate limiter store failures", () => {
  test("a failed upsert (before or after it applied): a 500 with Better Auth's body, no work done; the next request is counted normally", async () => {
    const { FaultController, faultyAdapter } = await import("../helpers/faulty-store.js");
    for (const mode of ["before", "after"] as const) {
      const ctl = new FaultController();
      const clock = new Clock(CAPTURED_AT);
      clock.ms = Math.ceil(clock.ms / 60_000) * 60_000;
      const auth = testAuth({ rateLimit: { enabled: true }, database: faultyAdapter(memoryAdapter(), ctl) }, clock);
      const signUp = (email: string) =>
        auth.handler(
          new Request(`${BASE_URL}/api/auth/sign-up/email`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: "N", email, password: "password1234" }),
          }),
          { remoteAddress: "198.51.100.9" },
        );
      ctl.reset(1, mode); // the first operation is the limiter's upsert
      const saved = console.error;
      const logged: string[] = [];
      console.error = (...a: unknown[]) => logged.push(a.join(" "));
      let res: Response;
      try {
        res = await signUp("a@example.com");
      } finally {
        console.error = saved;
      }
      assert.equal(res.status, 500, mode);
      assert.deepEqual(await res.json(), { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" });
      assert.equal(ctl.trace[0], "upsert(rateLimit)");
      assert.equal(ctl.trace.length, 1, "nothing after the failed limiter step");
      assert.match(logged.join("\n"), /rate limiter failed: InjectedStoreError/);
      ctl.enabled = false;
      assert.equal(await auth.context.store.count("user", []), 0);
      ctl.reset(0);
      assert.equal((await signUp("b@example.com")).status, 200);
      // "after": the failed request's count was applied; either way the budget never grows.
      const [row] = await auth.context.store.findMany("rateLimit", []);
      assert.equal(row.count, mode === "after" ? 2 : 1);
    }
  });
});

describe("rate-limit rules", () => {
  test("a window of 0 or a negative max is an init error, not a 500 on every request", () => {
    assert.throws(
      () => testAuth({ rateLimit: { customRules: { "/sign-in": { window: 0, max: 3 } } } }),
      /customRules\["\/sign-in"\]: window must be a positive/,
    );
    assert.throws(() => testAuth({ rateLimit: { max: -1 } }), /max must be an integer >= 0/);
    assert.throws(
      () => testAuth({ plugins: [{ id: "p", rateLimit: [{ matches: () => true, window: Number.NaN, max: 1 }] }] }),
      /plugin "p"/,
    );
    assert.ok(testAuth({ rateLimit: { customRules: { "/get-session": false, "/x": { window: 0.5, max: 0 } } } }));
  });
});
