/**
 * The rate limiter (wire spec section 7), with its counters in the store so that every server process
 * behind a load balancer shares them. Semantics follow Better Auth's database storage: a key's window
 * restarts when `window` seconds have passed since its last counted request; inside the window at most
 * `max` requests pass. Every decision is one atomic store operation guarded by the state it read, so a
 * concurrent burst cannot overshoot `max`.
 */
import { UniqueConstraintError, type Store } from "../adapters/types.js";
import type { KerniaOptions, Plugin, RateLimitRule } from "./types.js";

export interface Rule {
  window: number; // seconds
  max: number;
}

interface RateRow {
  id: string;
  key: string;
  count: number;
  lastRequest: number;
  [field: string]: string | number;
}

/** Better Auth's built-in special rules (rate-limiter getDefaultSpecialRules). */
const BUILTIN: RateLimitRule[] = [
  {
    matches: (p) => p.startsWith("/sign-in") || p.startsWith("/sign-up") || p.startsWith("/change-password") || p.startsWith("/change-email"),
    window: 10,
    max: 3,
  },
  {
    matches: (p) =>
      p === "/request-password-reset" || p === "/send-verification-email" || p.startsWith("/forget-password") ||
      p === "/email-otp/send-verification-otp" || p === "/email-otp/request-password-reset",
    window: 60,
    max: 3,
  },
];

function customMatches(pattern: string, path: string): boolean {
  if (pattern.includes("*")) {
    const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(path);
  }
  return path.startsWith(pattern);
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

/** Count one request against `key`. Retries only when a concurrent writer changed the row under it. */
export async function consume(store: Store, key: string, rule: Rule, now: number, newId: () => string): Promise<Decision> {
  const windowMs = rule.window * 1000;
  for (let attempt = 0; attempt < 8; attempt++) {
    const row = await store.findOne<RateRow>("rateLimit", [{ field: "key", value: key }]);
    if (row === null) {
      try {
        await store.create<RateRow>("rateLimit", { id: newId(), key, count: 1, lastRequest: now });
        return { allowed: true };
      } catch (e) {
        if (e instanceof UniqueConstraintError) continue; // another request created it first
        throw e;
      }
    }
    if (now - row.lastRequest >= windowMs) {
      // Window over: restart it, guarded on the lastRequest we saw (one winner per restart).
      const restarted = await store.update<RateRow>(
        "rateLimit",
        [{ field: "key", value: key }, { field: "lastRequest", operator: "lte", value: row.lastRequest }],
        { count: 1, lastRequest: now },
      );
      if (restarted) return { allowed: true };
      continue;
    }
    const counted = await store.increment<RateRow>(
      "rateLimit",
      [
        { field: "key", value: key },
        { field: "lastRequest", operator: "gt", value: now - windowMs },
        { field: "count", operator: "lt", value: rule.max },
      ],
      "count",
      1,
      { lastRequest: now },
    );
    if (counted) return { allowed: true };
    const fresh = await store.findOne<RateRow>("rateLimit", [{ field: "key", value: key }]);
    if (fresh === null || now - fresh.lastRequest >= windowMs) continue;
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((fresh.lastRequest + windowMs - now) / 1000)) };
  }
  // Pathological contention: refuse rather than let the burst through.
  return { allowed: false, retryAfter: rule.window };
}

/** Client IP from the configured headers (first entry of the first present header), or null. */
export function clientIp(headers: Headers, names: readonly string[]): string | null {
  for (const name of names) {
    const value = headers.get(name);
    if (!value) continue;
    const first = value.split(",")[0]?.trim();
    // Bounded: the value becomes part of a stored key.
    if (first) return first.slice(0, 64);
  }
  return null;
}
