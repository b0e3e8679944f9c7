/**
 * The memory store's incremental sweep of expired rows (issue 10 item 2): under a sustained stream of
 * distinct rate-limit keys its tables hold the live rows plus at most one lap of dead ones, and drain
 * once the stream stops and the window passes; no operation walks a whole table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Schema } from "../../src/adapters/types.js";

const schema: Schema = {
  rateLimit: {
    fields: {
      key: { type: "string", required: true, unique: true },
      count: { type: "number", required: true },
      expiresAt: { type: "date", required: true },
    },
    expiresAtField: "expiresAt",
  },
  user: { fields: { name: { type: "string" } } },
};

const WINDOW_MS = 60_000;
const STEP_MS = 10; // one request every 10 ms: 6000 live windows at any time

test("a sustained stream of distinct keys stays bounded by the live windows, then drains", async () => {
  let now = Date.UTC(2030, 0, 1);
  const store = memoryAdapter().bind(schema, { now: () => now });
  const live = WINDOW_MS / STEP_MS;
  let peak = 0;
  for (let i = 0; i < 5 * live; i++) {
    now += STEP_MS;
    await store.upsert("rateLimit", [{ field: "key", value: `ip-${i}|/sign-in/email` }], {
      create: { id: `r${i}` },
      set: { expiresAt: new Date(now + WINDOW_MS) },
      increment: { count: 1 },
    });
    if (i % 500 === 0) peak = Math.max(peak, await store.count("rateLimit", []));
  }
  // Each count sweeps a few rows first, so live and total are read separately.
  const alive = await store.count("rateLimit", [{ field: "expiresAt", operator: "gt", value: new Date(now) }]);
  const size = await store.count("rateLimit", []);
  const expired = size - alive;
  // Without the sweep the table would hold all 30 000 rows.
  assert.ok(peak <= 2 * live + 10, `peak ${peak} rows for ${live} live windows`);
  assert.equal(alive, live, "every live window is kept");
  assert.ok(expired <= live + 10, `${expired} expired rows left`);

  // The stream stops and the window passes: any traffic on the table (reads too) drains it.
  now += WINDOW_MS + 1;
  for (let i = 0; i < size; i++) await store.findOne("rateLimit", [{ field: "key", value: "ip-none" }]);
  assert.equal(await store.count("rateLimit", []), 0);
});

test("only expired rows are swept, and only in models with an expiresAtField", async () => {
  let now = 1_000_000;
  const store = memoryAdapter().bind(schema, { now: () => now });
  await store.create("rateLimit", { id: "a", key: "a", count: 1, expiresAt: new Date(now + 1000) });
  await store.create("user", { id: "u", name: "n" });
  for (let i = 0; i < 10; i++) await store.count("rateLimit", []);
  assert.equal(await store.count("rateLimit", []), 1, "not yet expired");
  now += 1000; // expiresAt <= now: dead
  for (let i = 0; i < 3; i++) await store.count("user", []);
  assert.equal(await store.count("rateLimit", []), 0);
  assert.equal(await store.count("user", []), 1);
});

test("a store bound without a clock never sweeps", async () => {
  const store = memoryAdapter().bind(schema);
  await store.create("rateLimit", { id: "a", key: "a", count: 1, expiresAt: new Date(0) });
  for (let i = 0; i < 10; i++) await store.count("rateLimit", []);
  assert.equal(await store.count("rateLimit", []), 1);
});
