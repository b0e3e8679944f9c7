/**
 * Captures Better Auth 1.7.25's answers to the account-lifecycle scenario (scenario.ts) and the
 * two-factor scenario (two-factor-scenario.ts) and writes docs/transcripts/account.json,
 * docs/transcripts/two-factor.json and its readable rendering docs/transcripts/two-factor.md.
 * Run: `npm run capture` (node --import tsx scripts/capture/better-auth.ts). `--check` compares with
 * the committed files instead of writing them (exit 1 when any differs).
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
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { twoFactor } from "better-auth/plugins/two-factor";
import { username } from "better-auth/plugins/username";
import { BASE_URL, SECRET, runScenario, transcriptText, type Mail, type SectionOptions, type Server } from "./scenario.js";
import {
  runTwoFactorScenario,
  twoFactorTranscriptText,
  type TwoFactorSectionOptions,
  type TwoFactorServer,
} from "./two-factor-scenario.js";
import { transcriptMarkdown } from "./markdown.js";

const DOCS = join(dirname(fileURLToPath(import.meta.url)), "../../docs/transcripts");
export const TRANSCRIPT_PATH = join(DOCS, "account.json");
export const TWO_FACTOR_TRANSCRIPT_PATH = join(DOCS, "two-factor.json");
export const TWO_FACTOR_MARKDOWN_PATH = join(DOCS, "two-factor.md");

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

/**
 * A Better Auth instance for one two-factor section: the twoFactor plugin (its sendOTP callback records
 * each code), the username plugin where the section has it, rate limiting where it asks for it.
 */
export async function betterAuthTwoFactorServer(options: TwoFactorSectionOptions): Promise<TwoFactorServer> {
  const otps: { to: string; otp: string }[] = [];
  const tf = options.twoFactor;
  const auth = betterAuth({
    appName: options.appName,
    secret: SECRET,
    baseURL: options.baseURL ?? BASE_URL,
    database: memoryAdapter({ user: [], session: [], account: [], verification: [], twoFactor: [] }),
    logger: { disabled: true },
    telemetry: { enabled: false },
    rateLimit: options.rateLimit ? { enabled: true } : undefined,
    emailAndPassword: { enabled: true },
    plugins: [
      twoFactor({
        skipVerificationOnEnable: tf.skipVerificationOnEnable,
        issuer: tf.issuer,
        otpOptions: tf.otp
          ? {
              sendOTP: async ({ user, otp }) => {
                otps.push({ to: user.email, otp });
              },
            }
          : undefined,
      }),
      ...(options.username ? [username()] : []),
    ],
  });
  return { handler: (request) => auth.handler(request), mails: [], otps, now: () => Date.now() };
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

/** The two-factor capture: the JSON file's text and its Markdown rendering. */
export async function captureTwoFactor(): Promise<{ json: string; markdown: string }> {
  const sections = await withSteppedClock(async (tick) =>
    runTwoFactorScenario(async (options) => ({ ...(await betterAuthTwoFactorServer(options)), tick })),
  );
  return { json: twoFactorTranscriptText(sections), markdown: transcriptMarkdown(sections) };
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const twoFactorFiles = await captureTwoFactor();
  const files: [string, string][] = [
    [TRANSCRIPT_PATH, await captureText()],
    [TWO_FACTOR_TRANSCRIPT_PATH, twoFactorFiles.json],
    [TWO_FACTOR_MARKDOWN_PATH, twoFactorFiles.markdown],
  ];
  const check = process.argv.includes("--check");
  let stale = false;
  for (const [path, text] of files) {
    const name = `docs/transcripts/${basename(path)}`;
    if (check) {
      const committed = existsSync(path) ? readFileSync(path, "utf8") : "";
      if (committed !== text) {
        console.error(`${name} is stale: run npm run capture`);
        stale = true;
      } else console.log(`${name} matches a fresh capture`);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${name}`);
    }
  }
  if (stale) process.exit(1);
}
