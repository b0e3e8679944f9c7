/**
 * Kernia instances for tests: the transcripts' secret and baseURL, a controllable clock, and a
 * sign-up helper. Pass extra options (plugins, advanced...) through `testAuth(overrides)`.
 */
import { init } from "../../src/auth/init.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";

/** The secret the Better Auth transcripts were captured with, so their signatures check here. */
export const WIRE_SECRET = "better-auth-wire-research-secret-0123456789";
export const BASE_URL = "http://localhost:3000";
export const ORIGIN = BASE_URL;

/** A settable clock in unix ms (starts at the transcripts' capture time). */
export class TestClock {
  constructor(public ms = Date.parse("2026-11-28T00:15:08.000Z")) {}
  now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export function testAuth(overrides: KerniaOptions = {}, clock?: TestClock): Kernia {
  return init({
    secret: WIRE_SECRET,
    baseURL: BASE_URL,
    appName: "WireTest",
    ...overrides,
    advanced: { ...(clock ? { now: clock.now } : {}), ...overrides.advanced },
  });
}

/** Sign up through the handler; returns the JSON body and the session cookie pair "name=value". */
export async function signUp(
  auth: Kernia,
  body: Record<string, unknown> = { name: "Alice", email: "alice@example.com", password: "password1234" },
): Promise<{ status: number; json: any; cookie: string; setCookies: string[] }> {
  const res = await auth.handler(
    new Request(`${BASE_URL}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify(body),
    }),
  );
  const setCookies = res.headers.getSetCookie();
  const cookie = setCookies
    .map((l) => l.split(";")[0])
    .filter((p) => !p.endsWith("="))
    .join("; ");
  return { status: res.status, json: await res.json(), cookie, setCookies };
}

/** POST JSON to an auth path through the handler (Origin set, cookie optional). */
export async function post(
  auth: Kernia,
  path: string,
  body: unknown,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return auth.handler(
    new Request(`${BASE_URL}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, ...(cookie ? { cookie } : {}), ...headers },
      body: JSON.stringify(body),
    }),
  );
}
