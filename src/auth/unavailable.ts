/**
 * A store that cannot be reached answers 503, not 500: the request did nothing wrong, and a client (or a
 * load balancer) may retry it shortly. The adapters throw StoreUnavailableError for server selection,
 * network and time-limit failures (src/adapters/mongodb.ts bounds each operation, so the request never
 * hangs); init.ts calls `unavailableState` at its two catch sites (the rate limiter and `run`).
 * Better Auth 1.7.25 has no such answer (an adapter error is a 500 there): a deliberate difference.
 */
import { StoreUnavailableError } from "../adapters/types.js";
import type { ResponseState } from "./types.js";

export const SERVICE_UNAVAILABLE = {
  code: "SERVICE_UNAVAILABLE",
  message: "The authentication service is temporarily unavailable. Try again shortly.",
} as const;

/** Seconds a client is asked to wait before retrying (Retry-After, RFC 9110 section 10.2.3). */
const RETRY_AFTER_SECONDS = 5;

/** The StoreUnavailableError behind `e` (itself or a few levels of `cause`), if any. */
function unavailableCause(e: unknown): StoreUnavailableError | undefined {
  for (let i = 0; i < 4 && typeof e === "object" && e !== null; i++) {
    if (e instanceof StoreUnavailableError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The 503 response for an error that means the store was unavailable, logged as one line (never the
 * driver's stack, never in the body); undefined for any other error, which the caller handles as before.
 */
export function unavailableState(e: unknown, where: string): ResponseState | undefined {
  const cause = unavailableCause(e);
  if (cause === undefined) return undefined;
  console.error(`kernia: ${where}: ${cause.message}`);
  const headers = new Headers({ "retry-after": String(RETRY_AFTER_SECONDS) });
  return { status: 503, body: { message: SERVICE_UNAVAILABLE.message, code: SERVICE_UNAVAILABLE.code }, headers, cookies: [] };
}
