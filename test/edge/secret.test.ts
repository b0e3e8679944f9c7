/**
 * Issue 11 item 11b / deliver 9: a secret under 32 characters or of low entropy (Better Auth 1.7.25's
 * rule) gets a startup warning, and production refuses it unless advanced.allowWeakSecret is set.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { estimateEntropyBits, resolveSecret, secretWeakness } from "../../src/auth/secret.js";
import { init } from "../../src/auth/init.js";

const PROD = { NODE_ENV: "production" };

function warnings(fn: () => void): string[] {
  const lines: string[] = [];
  const saved = console.warn;
  console.warn = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    fn();
  } finally {
    console.warn = saved;
  }
  return lines;
}

describe("weak secrets", () => {
  test("production refuses a 3-character secret and a long low-entropy one, naming the override", () => {
    assert.throws(
      () => resolveSecret("abc", PROD),
      /refusing to start in production with a weak secret: it is 3 characters long.*advanced\.allowWeakSecret/,
    );
    assert.throws(() => resolveSecret("ab".repeat(40), PROD), /low-entropy \(about 80 bits/);
    assert.throws(() => resolveSecret(undefined, { ...PROD, KERNIA_SECRET: "short" }), /weak secret/);
  });

  test("a random secret passes silently", () => {
    const strong = randomBytes(32).toString("base64");
    assert.deepEqual(
      warnings(() => assert.equal(resolveSecret(strong, PROD), strong)),
      [],
    );
    assert.equal(secretWeakness(strong), null);
  });

  test("outside production, or with allowWeakSecret: a warning (once, never quoting the secret)", () => {
    const weak = "hunter2-but-not-in-production";
    const lines = warnings(() => {
      assert.equal(resolveSecret(weak, {}), weak);
      assert.equal(resolveSecret(weak, {}), weak);
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /secret is weak: it is 29 characters long/);
    assert.ok(!lines[0].includes(weak));
    const allowed = "tiny-allowed";
    assert.equal(warnings(() => assert.equal(resolveSecret(allowed, PROD, true), allowed)).length, 1);
  });

  test("init() applies the rule from NODE_ENV and advanced.allowWeakSecret", () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      assert.throws(() => init({ secret: "abc" }), /weak secret/);
      warnings(() => assert.ok(init({ secret: "abcd", advanced: { allowWeakSecret: true } })));
    } finally {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    }
  });

  test("Better Auth's estimate: length x log2(distinct characters)", () => {
    assert.equal(estimateEntropyBits("aaaa"), 0);
    assert.equal(estimateEntropyBits("abab"), 4);
    assert.equal(Math.round(estimateEntropyBits("0123456789abcdef".repeat(2))), 128);
    assert.ok(Number.isFinite(estimateEntropyBits("xy".repeat(10_000))));
  });
});
