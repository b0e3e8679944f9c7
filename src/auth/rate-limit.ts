/**
 * The rate limiter (wire spec section 7), with its counters in the store so that every server process
 * behind a load balancer shares them.
 *
 * Semantics: fixed windows. Time is cut into windows of `window` seconds (window i covers
 * [i*window, (i+1)*window) in unix time), and a key may make `max` requests in each. One request is
 * ONE atomic store operation, an upsert that creates the window's row or adds one to its count, so a
 * concurrent burst cannot overshoot `max` and there is no read-then-write race to retry.
 *
 * The cost against Better Auth's "window since the last counted request": a client that spends its
 * budget at the very end of one window and again at the start of the next gets up to 2*max requests in
 * a span shorter than `window` (never more than max per window). Better Auth's rule needs a read and a
 * guarded write per request (two or more round trips, retries under contention) and never lets a
 * row expire while the key keeps trying. Here a row's life is fixed: it is dead when its window ends
 * (`expiresAt`), the MongoDB TTL index removes it there, and this module sweeps dead rows itself at
 * most once per SWEEP_MS, so the live rows are those of the current windows: at most one per key and
 * rule, and the number of keys one client can hold is bounded by the address rules (client-address.ts).
 */
import type { Store } from "../adapters/types.js";
import type { KerniaOptions, Plugin, RateLimitRule } from "./types.js";

export interface Rule {
  window: number; // seconds
  max: number;
}

interface RateRow {
  id: string;
  key: string;
  count: number;
  expiresAt: Date;
  [field: string]: string | number | Date;
}

/** Better Auth's built-in special rules (rate-limiter getDefaultSpecialRules). */
const BUILTIN: RateLimitRule[] = [
  {
    matches: (p) =>
      p.startsWith("/sign-in") || p.startsWith("/sign-up") || p.startsWith("/change-password") || p.startsWith("/change-email"),
    window: 10,
    max: 3,
  },
  {
    matches: (p) =>
      p === "/request-password-reset" ||
      p === "/send-verification-email" ||
      p.startsWith("/forget-password") ||
      p === "/email-otp/send-verification-otp" ||
      p === "/email-otp/request-password-reset",
    window: 60,
    max: 3,
  },
];

function customMatches(pattern: string, path: string): boolean {
  if (pattern.includes("*")) {
    const re = new RegExp(
      `^${pattern
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    return re.test(path);
  }
  return path.startsWith(pattern);
}

/**
 * Init-time check of configured rules: a window must be a positive number of seconds (a window of 0
 * has no index to count in) and max a count >= 0. Throws with the rule's name.
 */
export function checkRules(options: KerniaOptions["rateLimit"], plugins: readonly Plugin[]): void {
  const check = (what: string, window: unknown, max: unknown) => {
    if (typeof window !== "number" || !Number.isFinite(window) || window <= 0) {
      throw new Error(`kernia: rate limit ${what}: window must be a positive number of seconds, got ${JSON.stringify(window)}`);
    }
    if (typeof max !== "number" || !Number.isInteger(max) || max < 0) {
      throw new Error(`kernia: rate limit ${what}: max must be an integer >= 0, got ${JSON.stringify(max)}`);
    }
  };
  check("rateLimit.window/max", options?.window ?? 10, options?.max ?? 100);
  for (const [pattern, rule] of Object.entries(options?.customRules ?? {})) {
    if (rule !== false) check(`customRules[${JSON.stringify(pattern)}]`, rule?.window, rule?.max);
  }
  for (const plugin of plugins) for (const rule of plugin.rateLimit ?? []) check(`of plugin "${plugin.id}"`, rule.window, rule.max);
}

/** The rule for a path: custom rules, then plugin rules, then built-ins, then the default. null: exempt. */
export function ruleFor(path: string, options: KerniaOptions["rateLimit"], plugins: readonly Plugin[]): Rule | null {
  for (const [pattern, rule] of Object.entries(options?.customRules ?? {})) {
    if (customMatches(pattern, path)) return rule === false ? null : { window: rule.window, max: rule.max };
  }
  for (const plugin of plugins) {
    const hit = plugin.rateLimit?.find((r) => r.matches(path));
    if (hit) return { window: hit.window, max: hit.max };
  }
  const builtin = BUILTIN.find((r) => r.matches(path));
  if (builtin) return { window: builtin.window, max: builtin.max };
  return { window: options?.window ?? 10, max: options?.max ?? 100 };
}

export type Decision = { allowed: true } | { allowed: false; retryAfter: number };

/** Count one request against `key` (address and path) under `rule`: one store operation. */
export async function consume(store: Store, key: string, rule: Rule, now: number, newId: () => string): Promise<Decision> {
  const windowMs = rule.window * 1000;
  const index = Math.floor(now / windowMs);
  const end = (index + 1) * windowMs;
  const row = await store.upsert<RateRow>("rateLimit", [{ field: "key", value: `${key}|${index}` }], {
    create: { id: newId(), expiresAt: new Date(end) },
    increment: { count: 1 },
  });
  // No guard in `where`, so the upsert always yields the row; a refused request still counts (it is
  // in this window either way, and the window's end does not move).
  if (row !== null && row.count <= rule.max) return { allowed: true };
  return { allowed: false, retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) };
}

/** Sweep interval: rows of windows that ended are deleted at most this often (per process). */
export const SWEEP_MS = 10_000;

/**
 * Deletes the rows of windows that ended, at most once per SWEEP_MS. Runs beside the request (it is
 * housekeeping: reads never match a dead window's row, whose key names its window). With MongoDB the
 * TTL index on expiresAt does the same; this keeps every store bounded, the memory one included.
 */
export function sweeper(store: Store): (now: number) => void {
  let next = 0;
  let running = false;
  return (now) => {
    if (now < next || running) return;
    next = now + SWEEP_MS;
    running = true;
    store.deleteMany("rateLimit", [{ field: "expiresAt", operator: "lte", value: new Date(now) }]).then(
      () => (running = false),
      (e: unknown) => {
        running = false;
        console.error(`kernia: sweeping expired rate-limit rows failed (${e instanceof Error ? e.name : typeof e})`);
      },
    );
  };
}

let warnedNoAddress = false;

/**
 * Once per process: a rate-limited route got a request with neither a client address nor a
 * connection (a Fetch Request without `remoteAddress`), so the limiter did not apply to it.
 */
export function warnNoAddress(): void {
  if (warnedNoAddress) return;
  warnedNoAddress = true;
  console.warn(
    "kernia: rate limiting skipped a request with no client address. Pass auth.handler(request, { remoteAddress }) " +
      'or set advanced.ipAddress.trustedProxies (docs/security.md, "auth.handler").',
  );
}
