/**
 * Captures Better Auth 1.7.25's answers to the account-lifecycle scenario (scenario.ts) and writes
 * docs/transcripts/account.json. Run: `npm run capture` (node --import tsx scripts/capture/better-auth.ts).
 * `--check` compares with the committed file instead of writing it (exit 1 when they differ).
 *
 * Better Auth runs in-process on its memory adapter, with the tests' secret and baseURL; its mail
 * callbacks record what they are given. Rate limiting is off (the default outside production), so the
 * sequence is the only thing that decides each answer.
 *
 * Time is injected: Better Auth and jose read the clock through Date.now() and `new Date()`, so during
 * the capture the global Date is a subclass whose "now" starts at the tests' fixed instant and moves one
 * second before each request. Without it, two verification JWTs made in the same second are identical
 * and the placeholder numbering would depend on the wall clock.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { BASE_URL, SECRET, runScenario, transcriptText, type Mail, type SectionOptions, type Server } from "./scenario.js";

export const TRANSCRIPT_PATH = join(dirname(fileURLToPath(import.meta.url)), "../../docs/transcripts/account.json");

/** A Better Auth instance for one section, with recording mail callbacks. */
export async function betterAuthServer(options: SectionOptions): Promise<Server> {
  const mails: Mail[] = [];
  const ep = options.emailAndPassword ?? {};
  const ev = options.emailVerification ?? {};
  const del = options.user?.deleteUser;
  const auth = betterAuth({
    secret: SECRET,
    baseURL: BASE_URL,
    database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    logger: { disabled: true },
    telemetry: { enabled: false },
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: ep.requireEmailVerification,
      revokeSessionsOnPasswordReset: ep.revokeSessionsOnPasswordReset,
      sendResetPassword:
        ep.sendResetPassword === false
          ? undefined
          : async ({ user, url, token }) => {
              mails.push({ kind: "reset-password", to: user.email, url, token });
            },
    },
    emailVerification: {
      sendOnSignUp: ev.sendOnSignUp,
      autoSignInAfterVerification: ev.autoSignInAfterVerification,
      sendVerificationEmail: async ({ user, url, token }) => {
        mails.push({ kind: "verify-email", to: user.email, url, token });
      },
    },
    user: {
      changeEmail: options.user?.changeEmail,
      deleteUser: del && {
        enabled: del.enabled,
        sendDeleteAccountVerification: del.sendDeleteAccountVerification
          ? async ({ user, url, token }) => {
              mails.push({ kind: "delete-account", to: user.email, url, token });
            }
          : undefined,
      },
    },
  });
  return { handler: (request) => auth.handler(request), mails };
}

const START = Date.parse("2026-11-28T00:15:08.000Z");

/** Run `fn` with a stepped clock in place of the global Date (restored afterwards). */
async function withSteppedClock<T>(fn: (tick: () => void) => Promise<T>): Promise<T> {
  const RealDate = Date;
  let now = START;
  class SteppedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return now;
    }
  }
  globalThis.Date = SteppedDate as DateConstructor;
  try {
    return await fn(() => {
      now += 1000;
    });
  } finally {
    globalThis.Date = RealDate;
  }
}

export async function captureText(): Promise<string> {
  return withSteppedClock(async (tick) =>
    transcriptText(await runScenario(async (options) => ({ ...(await betterAuthServer(options)), tick }))),
  );
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const text = await captureText();
  if (process.argv.includes("--check")) {
    const committed = readFileSync(TRANSCRIPT_PATH, "utf8");
    if (committed !== text) {
      console.error("docs/transcripts/account.json is stale: run npm run capture");
      process.exit(1);
    }
    console.log("docs/transcripts/account.json matches a fresh capture");
  } else {
    mkdirSync(dirname(TRANSCRIPT_PATH), { recursive: true });
    writeFileSync(TRANSCRIPT_PATH, text);
    console.log(`wrote ${TRANSCRIPT_PATH}`);
  }
}
