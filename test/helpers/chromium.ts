/**
 * Debian's Chromium, headless, for every browser test and the browser benchmark: one place for the
 * binary and the flags. The background-networking, component-update and sync switches keep Chromium
 * from reaching for Google's hosts, which a machine without internet refuses many times a start.
 * Nothing here downloads a browser.
 */
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
