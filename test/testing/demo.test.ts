/**
 * kernia/testing against the demo app (example/app.ts), which accepts each TOTP step once: two sign-ins
 * back to back, inside one 30-second step, both succeed when their codes come from `freshCode`, while
 * reusing the code refuses the second. Once over HTTP with fetch, once in headless Chromium driven by
 * Playwright the way docs/crypto-in-apps.md shows it. The demo and the helper share one clock whose
 * sleep jumps it forward, so nothing waits for real.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.js";
import { createDemoApp, type DemoApp } from "../../example/app.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { totpHelper, type TotpHelper } from "../../src/testing/index.js";

const STEP = 30_000;

/** Real time plus an offset that the injected sleep moves forward. */
let offset = 0;
const now = () => Date.now() + offset;
const sleep = async (ms: number) => {
  offset += ms;
};

/** The step `now()` is in, and the milliseconds since it began. */
const stepOf = (time: number) => ({ step: Math.floor(time / STEP), into: time % STEP });

let demo: DemoApp;
before(async () => {
  demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), now, log: () => undefined });
});
after(() => demo?.close());

/** A fetch client with a cookie jar (last value per name; Max-Age=0 deletes). */
function client() {
  const cookies = new Map<string, string>();
  return async (path: string, body: unknown = {}) => {
    const response = await fetch(`${demo.url}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: demo.url, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      body: JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(pair.slice(0, at).trim());
      else cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
  };
}

describe("two sign-ins within one time step, over HTTP", () => {
  const password = "difference-engine-1822";

  /** Signs up `email`, turns TOTP on with a code from `codeFor`, and returns the URI and the client. */
  async function enrolled(email: string) {
    const call = client();
    assert.equal((await call("/sign-up/email", { name: "Charles Babbage", email, password })).status, 200);
    const enable = await call("/two-factor/enable", { password });
    assert.equal(enable.status, 200, JSON.stringify(enable.body));
    return { call, uri: String(enable.body?.totpURI) };
  }

  async function signIn(call: ReturnType<typeof client>, email: string, code: string) {
    await call("/sign-out");
    const first = await call("/sign-in/email", { email, password });
    assert.equal(first.status, 200);
    assert.equal(first.body?.twoFactorRedirect, true, "the second factor is asked for");
    return call("/two-factor/verify-totp", { code });
  }

  test("both succeed with codes from freshCode; the helper waits for the next step only for the second", async () => {
    const email = "babbage@example.com";
    const { call, uri } = await enrolled(email);
    const waits: number[] = [];
    const otp: TotpHelper = totpHelper(uri, { now, sleep, onWait: ({ ms }) => waits.push(ms) });
    assert.equal((await call("/two-factor/verify-totp", { code: (await otp.freshCode()).code })).status, 200, "enrolment");

    offset += STEP; // the suite's next test starts in a later step
    const start = stepOf(now());
    const first = await otp.freshCode();
    assert.equal((await signIn(call, email, first.code)).status, 200);
    const second = await otp.freshCode();
    const signedIn = await signIn(call, email, second.code);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal((signedIn.body?.user as { email?: string } | undefined)?.email, email);

    // The first sign-in took the current step at once; the second waited exactly until the next began.
    assert.deepEqual([first.step, first.waitedMs], [start.step, 0]);
    assert.equal(second.step, start.step + 1);
    assert.ok(second.waitedMs > 0 && second.waitedMs <= STEP - start.into + 1_000, `waited ${second.waitedMs} ms`);
    assert.equal(waits.length, 1, "one wait, reported to onWait");
    assert.ok(second.waitedMs >= waits[0], "waitedMs covers the wait announced to onWait");
    assert.ok(Date.now() < now(), "the injected sleep moved the shared clock, not the wall clock");
  });

  test("without the helper, the second sign-in in the same step reuses the code and is refused", async () => {
    const email = "lovelace@example.com";
    const { call, uri } = await enrolled(email);
    const otp = totpHelper(uri, { now, sleep });
    offset += STEP; // a new step, unused by anyone
    const code = otp.currentCode();
    assert.equal((await call("/two-factor/verify-totp", { code })).status, 200, "enrolment with the current code");
    const again = await signIn(call, email, code);
    assert.equal(again.status, 401);
    assert.equal(again.body?.code, "TOTP_CODE_ALREADY_USED");
  });
});

// The Playwright flow of docs/crypto-in-apps.md, with the clock injected so it does not wait for real.
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`;
if (skip && process.env.CI) throw new Error(`CI requires ${CHROMIUM} for the kernia/testing browser test`);

describe("two sign-ins in a row through the demo page (Playwright)", { skip }, () => {
  let browser: Browser;
  let page: Page;
  const person = { name: "Grace Hopper", email: "hopper@example.com", username: "grace_hopper", password: "flow-matic-1955" };

  before(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
  });
  after(() => browser?.close());

  async function signInWithTotp(otp: TotpHelper): Promise<void> {
    await page.fill("#sign-in-identifier", person.email);
    await page.fill("#sign-in-password", person.password);
    await page.click("#sign-in-submit");
    await page.getByText("Two-factor verification").waitFor();
    await page.fill("#tf-totp-code", (await otp.freshCode()).code);
    await page.click("#tf-totp-form button[type=submit]");
    await page.getByText(`Welcome, ${person.name}`).waitFor();
  }

  test("signs up, enrols, and signs in twice with TOTP", async () => {
    await page.goto(demo.url);
    await page.fill("#sign-up-name", person.name);
    await page.fill("#sign-up-email", person.email);
    await page.fill("#sign-up-username", person.username);
    await page.fill("#sign-up-password", person.password);
    await page.click("#sign-up-submit");
    await page.getByText(`Welcome, ${person.name}`).waitFor();

    // Enrol through the API with the page's own cookies (page.request shares the browser context's jar).
    const headers = { origin: demo.url };
    const enable = await page.request.post(`${demo.url}/api/auth/two-factor/enable`, { data: { password: person.password }, headers });
    assert.equal(enable.status(), 200);
    const waits: number[] = [];
    const otp = totpHelper(((await enable.json()) as { totpURI: string }).totpURI, { now, sleep, onWait: ({ ms }) => waits.push(ms) });
    const verify = await page.request.post(`${demo.url}/api/auth/two-factor/verify-totp`, {
      data: { code: (await otp.freshCode()).code },
      headers,
    });
    assert.equal(verify.status(), 200);

    await page.reload(); // the page picks up the session that enrolment rotated

    const started = Date.now();
    for (let round = 0; round < 2; round++) {
      await page.click("#sign-out");
      await page.locator("#view-signed-out").waitFor({ state: "visible" });
      await signInWithTotp(otp);
    }
    assert.equal(await page.locator("#view-two-factor").isVisible(), false);
    assert.equal(waits.length, 2, "each sign-in waited for a new step, through the injected sleep");
    assert.ok(Date.now() - started < STEP, "both sign-ins happened within one real time step");
  });
});
