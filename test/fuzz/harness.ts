/**
 * What the fuzz suite (test/fuzz) and the fault-injection suite (test/faults) share on top of the test
 * kit (test/helpers): a Kernia instance with every plugin on the fast password stand-in
 * (helpers/fast-passwords.ts), the response-shape check, and the store walk that checks the
 * two-factor invariants.
 */
import type { Adapter, Row, Store } from "../../src/adapters/types.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Kernia } from "../../src/auth/types.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { testAuth } from "../helpers/auth.js";
import { Clock } from "../helpers/clock.js";
import { fastPasswords } from "../helpers/fast-passwords.js";

export { BASE_PATH as BASE, ORIGIN } from "../helpers/client.js";
export const SECRET = "kernia-fuzz-and-fault-secret-0123456789abcdef";
export const PASSWORD = "correct-horse-battery-1";
export const START = Date.UTC(2026, 0, 5, 12, 0, 0);

export interface Harness {
  auth: Kernia;
  clock: Clock;
  /** The store as the core sees it (through any wrapper). */
  store: Store;
  /** OTP codes the plugin "sent", by user id (last one wins). */
  outbox: Map<string, string>;
  otp: boolean;
}

export function createHarness(options: { otp: boolean; adapter?: Adapter; clock?: Clock }): Harness {
  const clock = options.clock ?? new Clock(START);
  const outbox = new Map<string, string>();
  const auth = testAuth(
    {
      secret: SECRET,
      database: options.adapter ?? memoryAdapter(),
      rateLimit: { enabled: false },
      plugins: [
        username(),
        phoneNumber(),
        twoFactor(
          options.otp
            ? {
                otpOptions: {
                  sendOtp: ({ user, otp }) => {
                    outbox.set(user.id, otp);
                  },
                },
              }
            : {},
        ),
      ],
    },
    clock,
  );
  fastPasswords(auth, PASSWORD);
  return { auth, clock, store: auth.context.store, outbox, otp: options.otp };
}

/**
 * The response contract (wire spec section 1): 2xx or 4xx, never 5xx; a JSON body, except the documented
 * empty 404 (unknown path / wrong method) and HEAD; error bodies are objects with a string `message`
 * and a string `code`, except the two documented code-less answers (429 rate limiter, 409 backup-code race).
 * Returns what is wrong, or null.
 */
export function checkAnswer(method: string, status: number, text: string): string | null {
  if (status >= 500) return `server error ${status}`;
  if (status < 200 || (status >= 300 && status < 400)) return `unexpected status ${status}`;
  if (method === "HEAD") return null;
  if (text === "") return status === 404 ? null : `empty body with status ${status}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 120)}`;
  }
  if (status >= 400) {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return `error body is not an object: ${text.slice(0, 120)}`;
    const { message, code } = body as { message?: unknown; code?: unknown };
    if (typeof message !== "string") return `error body without a string message: ${text.slice(0, 120)}`;
    if (typeof code !== "string" && status !== 409 && status !== 429) return `error body without a string code: ${text.slice(0, 120)}`;
    return null;
  }
  // Objects, `null` (get-session without a session) and arrays (list endpoints such as trusted-devices).
  if (body !== null && typeof body !== "object") return `success body is not an object: ${text.slice(0, 120)}`;
  return null;
}

export interface Snapshot {
  users: Row[];
  sessions: Row[];
  twoFactor: Row[];
  challenges: Row[];
  backupCodes: Row[];
}

export async function snapshot(store: Store): Promise<Snapshot> {
  const [users, sessions, twoFactorRows, challenges, backupCodes] = await Promise.all([
    store.findMany("user", []),
    store.findMany("session", []),
    store.findMany("twoFactor", []),
    store.findMany("twoFactorConfirmation", []),
    store.findMany("twoFactorBackupCode", []),
  ]);
  return { users, sessions, twoFactor: twoFactorRows, challenges, backupCodes };
}

/**
 * Store invariants that must hold after ANY sequence of requests:
 * 1. twoFactorEnabled implies a factor: a verified twoFactor row with a secret, or (only when the OTP
 *    method is configured) OTP delivery.
 * 2. No session, twoFactor row or challenge points at a missing user.
 * 3. Users in `noSessionUsers` (2FA users whose second factor was never passed) hold no session row.
 */
export function violations(s: Snapshot, options: { otp: boolean; noSessionUsers?: Iterable<string> }): string[] {
  const out: string[] = [];
  const userIds = new Set(s.users.map((u) => u.id));
  const factorOf = new Map(s.twoFactor.map((r) => [r.userId as string, r]));
  for (const u of s.users) {
    if (u.twoFactorEnabled !== true) continue;
    const row = factorOf.get(u.id);
    const totp = row !== undefined && row.verified === true && typeof row.secret === "string" && row.secret !== "";
    if (!totp && !options.otp)
      out.push(`user ${u.id} (${u.email}) has twoFactorEnabled but no verified factor (row: ${JSON.stringify(row ?? null)})`);
  }
  for (const x of s.sessions) if (!userIds.has(x.userId as string)) out.push(`session ${x.id} belongs to missing user ${x.userId}`);
  for (const x of s.twoFactor) if (!userIds.has(x.userId as string)) out.push(`twoFactor ${x.id} belongs to missing user ${x.userId}`);
  for (const x of s.challenges) if (!userIds.has(x.userId as string)) out.push(`challenge ${x.id} belongs to missing user ${x.userId}`);
  for (const id of options.noSessionUsers ?? []) {
    const n = s.sessions.filter((x) => x.userId === id).length;
    if (n > 0) out.push(`user ${id} never passed a second factor but holds ${n} session(s)`);
  }
  return out;
}
