/**
 * kernia/testing with an injected clock and sleep (nothing here sleeps for real): parsing otpauth URIs
 * (Key URI Format) with a clear error for each kind of bad input, codes against RFC 6238 and
 * node:crypto, and freshCode's promise: a step it has not handed out, waiting only when it must, bounded,
 * reported, and distinct under concurrent calls.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_URI_LENGTH, parseOtpauthUri, totpHelper } from "../../src/testing/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { RFC6238_SEEDS, RFC6238_VECTORS } from "../crypto/vectors/rfc6238.js";
import { RFC4226_SECRET_BASE32 } from "../crypto/vectors/rfc4226.js";

const ascii = (text: string) => new TextEncoder().encode(text);
const STEP = 30_000;

/**
 * A fake clock whose sleep moves it forward, recording every sleep. The time moves when the sleep ends
 * (after the calls already running have had their turn), as it does with a real timer.
 */
function fakeClock(start: number) {
  let time = start;
  const slept: number[] = [];
  return {
    now: () => time,
    sleep: async (ms: number) => {
      slept.push(ms);
      await Promise.resolve();
      time += ms;
    },
    advance: (ms: number) => {
      time += ms;
    },
    slept,
  };
}

describe("parseOtpauthUri", () => {
  test("reads the URI Kernia's enable endpoint returns", () => {
    const uri = `otpauth://totp/Kernia%20Demo:ada%40example.com?secret=${RFC4226_SECRET_BASE32}&issuer=Kernia+Demo&digits=6&period=30`;
    assert.deepEqual(parseOtpauthUri(uri), {
      type: "totp",
      label: "Kernia Demo:ada@example.com",
      issuer: "Kernia Demo",
      account: "ada@example.com",
      secret: ascii("12345678901234567890"),
      algorithm: "SHA-1",
      digits: 6,
      period: 30,
      counter: undefined,
    });
  });

  test("applies the format's defaults and its lenient spellings", () => {
    const key = parseOtpauthUri(`otpauth://TOTP/alice?secret=${RFC4226_SECRET_BASE32.toLowerCase()}`);
    assert.equal(key.issuer, undefined);
    assert.equal(key.account, "alice");
    assert.deepEqual([key.algorithm, key.digits, key.period], ["SHA-1", 6, 30]);
    assert.deepEqual(key.secret, ascii("12345678901234567890"));
    // Padding, a space after the colon (allowed by the format), algorithm case, an app's own parameter.
    const other = parseOtpauthUri("otpauth://totp/ACME%20Co:%20%20john?secret=MZXW6===&algorithm=sha512&digits=8&period=60&foo=bar");
    assert.deepEqual([other.issuer, other.account, other.algorithm, other.digits, other.period], ["ACME Co", "john", "SHA-512", 8, 60]);
    assert.deepEqual(other.secret, ascii("foo"));
    assert.deepEqual(parseOtpauthUri("otpauth://hotp/x?secret=MZXW6YQ&counter=7").counter, 7);
  });

  const secret = RFC4226_SECRET_BASE32;
  const cases: [string, unknown, RegExp, ErrorConstructor][] = [
    ["not a string", 42, /expected a string, got number/, TypeError],
    ["another scheme", `https://totp/x?secret=${secret}`, /starting with otpauth:\/\//, RangeError],
    ["unknown type", `otpauth://motp/x?secret=${secret}`, /type totp or hotp, got "motp"/, RangeError],
    ["no label", `otpauth://totp/?secret=${secret}`, /a label/, RangeError],
    ["broken percent-encoding", `otpauth://totp/%E0%A4%A?secret=${secret}`, /percent-encoded label/, RangeError],
    ["no secret", "otpauth://totp/x?issuer=a", /a secret parameter, got none/, RangeError],
    ["empty secret", "otpauth://totp/x?secret=", /non-empty secret/, RangeError],
    ["not base32", "otpauth://totp/x?secret=ABC1EFGH", /base32 secret \(A-Z, 2-7\), got another character at index 3/, RangeError],
    ["a partial byte", "otpauth://totp/x?secret=ABC", /whole bytes, got 3 characters/, RangeError],
    ["two secrets", `otpauth://totp/x?secret=${secret}&secret=${secret}`, /at most one secret parameter, got 2/, RangeError],
    ["an unknown algorithm", `otpauth://totp/x?secret=${secret}&algorithm=MD5`, /SHA1, SHA256 or SHA512, got "MD5"/, RangeError],
    ["too few digits", `otpauth://totp/x?secret=${secret}&digits=5`, /digits in 6\.\.10, got 5/, RangeError],
    ["digits not a number", `otpauth://totp/x?secret=${secret}&digits=six`, /digits to be a decimal integer/, RangeError],
    ["a zero period", `otpauth://totp/x?secret=${secret}&period=0`, /period in 1\.\.86400, got 0/, RangeError],
    ["a negative period", `otpauth://totp/x?secret=${secret}&period=-30`, /period to be a decimal integer/, RangeError],
    ["issuers that disagree", `otpauth://totp/Evil:ada?secret=${secret}&issuer=Good`, /to match the label's issuer prefix/, RangeError],
    ["hotp without a counter", `otpauth://hotp/x?secret=${secret}`, /counter parameter for an hotp URI/, RangeError],
    ["far too long", `otpauth://totp/x?secret=${"A".repeat(MAX_URI_LENGTH)}`, /at most 4096 characters/, RangeError],
  ];
  for (const [name, uri, message, type] of cases) {
    test(`refuses ${name} with a clear error that does not contain the secret`, () => {
      assert.throws(
        () => parseOtpauthUri(uri as string),
        (error: unknown) => {
          assert.ok(error instanceof type, `${(error as Error).name}: ${(error as Error).message}`);
          assert.match((error as Error).message, /^otpauth URI: /);
          assert.match((error as Error).message, message);
          assert.ok(!(error as Error).message.includes(secret), "the secret is not echoed");
          return true;
        },
      );
    });
  }

  test("never throws anything but a TypeError or RangeError on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl().map((u) => u.replace(/^https?/, "otpauth")),
          fc.string().map((s) => `otpauth://totp/${s}`),
        ),
        (uri) => {
          try {
            parseOtpauthUri(uri);
          } catch (error) {
            assert.ok(error instanceof RangeError || error instanceof TypeError, String(error));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("codes", () => {
  for (const algorithm of ["SHA-1", "SHA-256", "SHA-512"] as const) {
    test(`RFC 6238 Appendix B through a URI: ${algorithm}`, () => {
      const base32 = nodeCrypto.base32Encode(ascii(RFC6238_SEEDS[algorithm]), { padding: false });
      const helper = totpHelper(`otpauth://totp/rfc?secret=${base32}&digits=8&algorithm=${algorithm.replace("-", "")}`);
      for (const v of RFC6238_VECTORS) assert.equal(helper.codeAt(v.time * 1000), v.totp[algorithm]);
    });
  }

  test("currentCode is the authenticator's code at the injected time, and marks nothing used", async () => {
    const clock = fakeClock(1_700_000_015_000);
    const helper = totpHelper(`otpauth://totp/x?secret=${RFC4226_SECRET_BASE32}&period=30`, clock);
    const expected = nodeCrypto.totp(ascii("12345678901234567890"), { time: clock.now() });
    assert.equal(helper.currentCode(), expected);
    assert.equal(helper.currentCode(), expected);
    assert.equal((await helper.freshCode()).code, expected, "the current step is still unused by freshCode");
  });

  test("refuses an hotp key", () => {
    assert.throws(() => totpHelper(`otpauth://hotp/x?secret=${RFC4226_SECRET_BASE32}&counter=0`), /expected a totp key, got hotp/);
  });
});

describe("freshCode", () => {
  const uri = `otpauth://totp/x?secret=${RFC4226_SECRET_BASE32}`;
  const key = ascii("12345678901234567890");
  const T0 = 1_700_000_010_000 + 10_000; // 10 s into a step (1_700_000_010_000 is a multiple of 30 s)

  test("uses the current step at once, and waits for the next one only when the current one was handed out", async () => {
    const clock = fakeClock(T0);
    const waits: { ms: number; step: number }[] = [];
    const helper = totpHelper(uri, { ...clock, onWait: (info) => waits.push(info) });
    const step = Math.floor(T0 / STEP);

    const first = await helper.freshCode();
    assert.deepEqual(first, { code: nodeCrypto.totp(key, { time: T0 }), step, waitedMs: 0, remainingMs: 20_000 });
    assert.deepEqual(clock.slept, [], "no wait when the step is unused");

    clock.advance(5_000); // a second sign-in 5 s later, same step
    const second = await helper.freshCode();
    assert.equal(second.step, step + 1);
    assert.equal(second.waitedMs, 15_000, "waited exactly until the next step began, and said so");
    assert.equal(second.remainingMs, STEP);
    assert.equal(second.code, nodeCrypto.totp(key, { time: (step + 1) * STEP }));
    assert.notEqual(second.code, first.code);
    assert.deepEqual(waits, [{ ms: 15_000, step: step + 1 }]);
    assert.deepEqual(clock.slept, [15_000]);

    clock.advance(3 * STEP); // much later: a new step is current, no wait
    const third = await helper.freshCode();
    assert.equal(third.step, step + 4);
    assert.equal(third.waitedMs, 0);
  });

  test("concurrent calls get distinct steps; one that would wait past maxWaitMs throws without reserving", async () => {
    const clock = fakeClock(T0);
    const helper = totpHelper(uri, clock);
    const step = Math.floor(T0 / STEP);
    const settled = await Promise.allSettled([helper.freshCode(), helper.freshCode(), helper.freshCode()]);
    assert.equal(settled[0].status, "fulfilled");
    assert.equal(settled[1].status, "fulfilled");
    assert.equal((settled[0] as PromiseFulfilledResult<{ step: number }>).value.step, step);
    assert.equal((settled[1] as PromiseFulfilledResult<{ step: number }>).value.step, step + 1);
    // The third needed step + 2, 50 s away: more than the default bound of one period.
    assert.equal(settled[2].status, "rejected");
    const reason = (settled[2] as PromiseRejectedResult).reason as Error;
    assert.ok(reason instanceof RangeError);
    assert.match(reason.message, /begins in 50000 ms, more than maxWaitMs \(30000 ms\)/);
    // The failed call reserved nothing: step + 2 is handed out next.
    clock.advance(STEP);
    assert.equal((await helper.freshCode()).step, step + 2);
  });

  test("a larger maxWaitMs lets a burst through, each code for its own step", async () => {
    const clock = fakeClock(T0);
    const helper = totpHelper(uri, { ...clock, maxWaitMs: 5 * STEP });
    const codes = await Promise.all(Array.from({ length: 4 }, () => helper.freshCode()));
    assert.deepEqual(
      codes.map((c) => c.step),
      [0, 1, 2, 3].map((i) => Math.floor(T0 / STEP) + i),
    );
    assert.equal(new Set(codes.map((c) => c.step)).size, 4);
  });

  test("maxWaitMs 0 never waits: it throws when the current step is taken", async () => {
    const clock = fakeClock(T0);
    const helper = totpHelper(uri, { ...clock, maxWaitMs: 0 });
    await helper.freshCode();
    await assert.rejects(helper.freshCode(), /more than maxWaitMs \(0 ms\)/);
    assert.deepEqual(clock.slept, []);
  });

  test("a sleep that does not move the clock is reported, not looped on", async () => {
    let time = T0;
    const helper = totpHelper(uri, { now: () => time, sleep: async () => undefined });
    await helper.freshCode();
    await assert.rejects(helper.freshCode(), /the clock has not reached step/);
    time += STEP;
  });

  test("a timer that fires early is waited out", async () => {
    const clock = fakeClock(T0);
    let early = true;
    const helper = totpHelper(uri, {
      now: clock.now,
      // The first sleep ends 1 ms short of what was asked (setTimeout against a wall clock can).
      sleep: async (ms) => {
        await clock.sleep(early ? ms - 1 : ms);
        early = false;
      },
    });
    await helper.freshCode();
    const next = await helper.freshCode();
    assert.equal(next.step, Math.floor(T0 / STEP) + 1);
    assert.deepEqual(clock.slept, [19_999, 1]);
  });

  test("refuses a maxWaitMs that is not a number >= 0", () => {
    for (const bad of [-1, Number.NaN, "30" as unknown as number]) assert.throws(() => totpHelper(uri, { maxWaitMs: bad }), /maxWaitMs/);
  });
});
