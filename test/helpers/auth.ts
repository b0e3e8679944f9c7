/**
 * Kernia instances for tests: the transcripts' secret and baseURL, the test clock, and one-shot
 * requests. Pass the store and any other option (plugins, advanced...) through `testAuth(overrides)`.
 */
import { init } from "../../src/auth/init.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";
import type { Clock } from "./clock.js";
import { authRequest, Client, ORIGIN } from "./client.js";

/** The secret the Better Auth transcripts were captured with, so their signatures check here. */
export const WIRE_SECRET = "better-auth-wire-research-secret-0123456789";
export const BASE_URL = ORIGIN;
export { ORIGIN };

/** An instance on the transcripts' secret and URL; `overrides.database` picks the store (default: memory). */
export function testAuth(overrides: KerniaOptions = {}, clock?: Clock): Kernia {
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
  const client = new Client(auth);
  const reply = await client.post("/sign-up/email", body);
  return { status: reply.status, json: reply.body, cookie: client.cookieHeader(), setCookies: reply.setCookies };
}

/** POST JSON to an auth path through the handler (Origin set, cookie optional); the raw Response. */
export function post(auth: Kernia, path: string, body: unknown, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return auth.handler(authRequest({ method: "POST", path, body, cookie, headers }));
}
