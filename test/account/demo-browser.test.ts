/**
 * The demo's account page (/account) in headless Chromium: signed-in devices with revoke, verify email
 * through the outbox link, change password, forgot password through the outbox link, delete account.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.js";
import { createDemoApp, type DemoApp } from "../../example/app.js";
import { memoryAdapter } from "../../src/adapters/memory.js";

const missingBrowser = !existsSync(CHROMIUM);
if (missingBrowser && !process.env.CI) console.log(`# account page test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
const skip = missingBrowser && !process.env.CI ? `${CHROMIUM} is not installed` : false;

const EMAIL = "pages@example.com";
const PASSWORD = "account-page-pass-1";

let demo: DemoApp;
let browser: Browser;

before(async () => {
  if (skip) return;
  demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: () => undefined, production: false });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

/** A JSON call from inside the page (same origin: the browser's cookies and Origin go with it). */
function call(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(`/api/auth${p}`, {
        method: m as string,
        headers: b === undefined ? {} : { "content-type": "application/json" },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  );
}

async function newestMail(): Promise<{ subject: string; url: string }> {
  const box = (await (await fetch(`${demo.url}/dev/outbox.json`)).json()) as { subject: string; url: string }[];
  return box[0];
}

async function status(page: Page, text: string): Promise<void> {
  await page.waitForFunction((want) => document.getElementById("account-status")?.textContent?.includes(want), text, { timeout: 10_000 });
}

describe("demo account page", { skip }, () => {
  test("devices with revoke, verify email, change password, forgot password, delete account with its confirmation link", async () => {
    const contexts: BrowserContext[] = [
      await browser.newContext({ userAgent: "Laptop" }),
      await browser.newContext({ userAgent: "Phone" }),
    ];
    const [page, phone] = await Promise.all(contexts.map((c) => c.newPage()));
    await page.goto(`${demo.url}/account`);
    assert.equal(
      (await call(page, "POST", "/sign-up/email", { name: "P", email: EMAIL, password: PASSWORD, username: "pages_user" })).status,
      200,
    );
    await phone.goto(`${demo.url}/account`);
    assert.equal((await call(phone, "POST", "/sign-in/email", { email: EMAIL, password: PASSWORD })).status, 200);

    // Devices: two listed, this one marked; signing the phone out ends its session at once.
    await page.reload();
    await page.locator("#sessions li").nth(1).waitFor();
    assert.equal(await page.locator("#sessions li").count(), 2);
    assert.match(await page.locator("#sessions li", { hasText: "this device" }).innerText(), /Laptop/);
    await page.locator("#sessions li", { hasText: "Phone" }).locator("button.revoke").click();
    await status(page, "That device is signed out.");
    await page.waitForFunction(
      () =>
        document.querySelectorAll("#sessions li").length === 1 &&
        document.querySelector("#sessions li")?.textContent?.includes("this device"),
    );
    assert.equal((await call(phone, "GET", "/get-session")).json, null);

    // Verify email through the outbox link (it lands back on /account).
    await page.click("#verify-send");
    await status(page, "verification link is on its way");
    const verify = await newestMail();
    assert.match(verify.subject, /verify/i);
    await page.goto(verify.url);
    await page.waitForURL(`${demo.url}/account`);
    await page.waitForFunction(() => document.getElementById("email-state")?.textContent?.endsWith(": verified"));

    // Change password.
    await page.fill("#change-current", PASSWORD);
    await page.fill("#change-new", "account-page-pass-2");
    await page.click("#change-submit");
    await status(page, "Password changed.");

    // Forgot password, signed out, through the outbox link.
    await call(page, "POST", "/sign-out", {});
    await page.reload();
    await page.fill("#forgot-email", EMAIL);
    await page.click("#forgot-submit");
    await status(page, "reset link is on its way");
    const reset = await newestMail();
    assert.match(reset.subject, /reset/i);
    await page.goto(reset.url);
    await page.waitForURL(/\/account\?token=/);
    await page.fill("#reset-password", "account-page-pass-3");
    await page.click("#reset-submit");
    await status(page, "Password changed. Sign in with the new one");
    assert.equal((await call(page, "POST", "/sign-in/email", { email: EMAIL, password: "account-page-pass-2" })).status, 401);
    assert.equal((await call(page, "POST", "/sign-in/email", { email: EMAIL, password: "account-page-pass-3" })).status, 200);

    // Delete account.
    await page.reload();
    await page.fill("#delete-password", "account-page-pass-3");
    await page.click("#delete-submit");
    await status(page, "Check your email to confirm the deletion");
    const confirm = await newestMail();
    assert.match(confirm.subject, /delet/i);
    await page.goto(confirm.url); // the callback deletes, then redirects back here
    await page.waitForURL(/\/account\?deleted=1$/);
    await status(page, "Your account is deleted.");
    await page.locator("#forgot").waitFor({ state: "visible" });
    assert.equal((await call(page, "POST", "/sign-in/email", { email: EMAIL, password: "account-page-pass-3" })).status, 401);
    for (const c of contexts) await c.close();
  });
});
