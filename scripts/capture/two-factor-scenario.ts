/**
 * The scripted two-factor sequence behind docs/transcripts/two-factor.json: enrolment, the sign-in
 * challenge, OTP and backup codes, disable, the per-challenge and account-wide limits, the origin and
 * media-type checks, the configuration variants and the core endpoints' error shapes. Run against any
 * Fetch handler (Better Auth 1.7.25 by scripts/capture/better-auth.ts, Kernia by
 * test/docs/transcripts.test.ts) with the request machinery and normalizer of scenario.ts.
 *
 * Every exchange the code cites carries a stable id "T#n"; the ids run 1..120 in request order across
 * the sections. Exchanges without an id are setup steps (an enrolment a later section needs) or
 * follow-ups (what a numbered exchange left behind).
 *
 * Codes are never guessed: a TOTP code is computed (RFC 6238, HMAC-SHA-1, 6 digits, 30 s) from the
 * secret in the otpauth URI the server answered with, at the server's injected clock when the request
 * is sent; an OTP is the one the server's sendOTP callback was given; a backup code is one the server
 * listed. Each such value is recorded as volatile, so it shows as a placeholder (<totp:N>, <otp:N>,
 * <backup:N>) and two runs compare equal.
 */
import { createHmac } from "node:crypto";
import {
  BASE_URL,
  KEPT_HEADERS,
  SECRET,
  normalize,
  Run,
  type Exchange,
  type Section,
  type Server,
  type StepInput,
  type VolatileShape,
} from "./scenario.js";

/** Server options a section needs (the names are Better Auth's option names). */
export interface TwoFactorSectionOptions {
  baseURL?: string;
  appName: string;
  /** The username plugin is installed. */
  username?: boolean;
  /** Better Auth's rateLimit.enabled (on by default only in production). */
  rateLimit?: boolean;
  twoFactor: {
    /** otpOptions.sendOTP is configured (it records the code). */
    otp?: boolean;
    skipVerificationOnEnable?: boolean;
    issuer?: string;
  };
}

/** A section's server, with the clock the capture injects (TOTP codes are computed at it). */
export interface TwoFactorServer extends Server {
  now(): number;
  /**
   * Called just before a TOTP code is computed. A server that accepts each time step once (Kernia)
   * moves its clock to the next step here, as a client waits for the next code; Better Auth's capture
   * leaves it out, so its run sends the same code twice where the window allows (T#9 and T#17).
   */
  beforeTotp?(): void;
}

export type MakeTwoFactorServer = (options: TwoFactorSectionOptions) => Promise<TwoFactorServer>;

export interface TwoFactorSection extends Omit<Section, "options"> {
  options: TwoFactorSectionOptions;
}

/** Two-factor cookie values that are random but not a plain 20+ character run. */
export const TWO_FACTOR_SHAPES: VolatileShape[] = [
  // the trusted-device cookie: "<43-char base64url HMAC>!trust-device-<32-char id>"
  { pattern: /[A-Za-z0-9_-]{43}!trust-device-[A-Za-z0-9_-]{32}/g, kind: "trust" },
  // the pending-challenge identifier in the two_factor cookie
  { pattern: /2fa-[A-Za-z0-9_-]{20}/g, kind: "challenge" },
];

/** Response headers compared: the account scenario's, plus get-session's pragma and the rate limiter's retry hint. */
const TWO_FACTOR_HEADERS = [...KEPT_HEADERS, "pragma", "x-retry-after"];

const PASSWORD = "password1234";

/** RFC 4648 base32 (no padding) to bytes. */
function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`scenario: not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (RFC 4226 dynamic truncation) for the secret of an otpauth URI at `nowMs`. */
export function totpFromUri(uri: string, nowMs: number): string {
  const url = new URL(uri);
  const secret = url.searchParams.get("secret");
  if (!secret) throw new Error(`scenario: no secret in ${uri}`);
  const period = Number(url.searchParams.get("period") ?? 30);
  const digits = Number(url.searchParams.get("digits") ?? 6);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / period)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, "0");
}

/** A signed cookie value as better-call makes it: value + "." + base64(HMAC-SHA-256(secret, value)). */
export function signedCookieValue(value: string, secret = SECRET): string {
  return encodeURIComponent(`${value}.${createHmac("sha256", secret).update(value).digest("base64")}`);
}

/** The run of one section, with the two-factor steps the scripts use. */
class TwoFactorRun {
  constructor(
    readonly r: Run,
    readonly server: TwoFactorServer,
  ) {}

  /** An exchange with its stable id T#n. */
  t(n: number, step: string, input: StepInput): Promise<Exchange> {
    return this.send(step, { ...input, id: `T#${n}` });
  }

  /** A setup exchange (no id). */
  setup(step: string, input: StepInput): Promise<Exchange> {
    return this.send(`setup: ${step}`, input);
  }

  /** A follow-up exchange (no id) that shows what a numbered one left behind. */
  after(step: string, input: StepInput): Promise<Exchange> {
    return this.send(`follow-up: ${step}`, input);
  }

  /** Send, then record every code the answer or the sendOTP callback revealed as volatile. */
  private async send(step: string, input: StepInput): Promise<Exchange> {
    const e = await this.r.send(step, input);
    const listed = (e.response.body as { backupCodes?: unknown } | null)?.backupCodes;
    if (Array.isArray(listed)) for (const c of listed) if (typeof c === "string") this.r.volatile.set(c, "backup");
    for (const o of e.otps ?? []) this.r.volatile.set(o.otp, "otp");
    return e;
  }

  /** A TOTP code for `uri`, computed when the request is sent (after the clock moved), recorded as volatile. */
  totp(uri: string): () => string {
    return () => {
      this.server.beforeTotp?.();
      const code = totpFromUri(uri, this.server.now());
      this.r.volatile.set(code, "totp");
      return code;
    };
  }

  /** The newest OTP the server sent, recorded as volatile. */
  otp(): string {
    const code = this.r.lastOtp();
    this.r.volatile.set(code, "otp");
    return code;
  }

  /** The totpURI and backup codes of an enable answer (codes recorded as volatile). */
  enrolment(e: Exchange): { uri: string; codes: string[] } {
    const body = e.response.body as { totpURI?: string; backupCodes?: string[] };
    if (typeof body?.totpURI !== "string") throw new Error(`scenario: ${e.step}: no totpURI in ${JSON.stringify(body)}`);
    return { uri: body.totpURI, codes: this.backupCodes(e) };
  }

  backupCodes(e: Exchange): string[] {
    const codes = (e.response.body as { backupCodes?: string[] })?.backupCodes;
    if (!Array.isArray(codes)) throw new Error(`scenario: ${e.step}: no backupCodes`);
    for (const c of codes) this.r.volatile.set(c, "backup");
    return codes;
  }
}

const post = (path: string, body: unknown, as?: string, extra: Partial<StepInput> = {}): StepInput => ({
  method: "POST",
  path,
  body,
  as,
  ...extra,
});
const get = (path: string, as?: string, extra: Partial<StepInput> = {}): StepInput => ({ method: "GET", path, as, ...extra });
const verify = (body: unknown, as?: string) => post("/two-factor/verify-totp", body, as);
const signIn = (email: string, as?: string, extra: Record<string, unknown> = {}) =>
  post("/sign-in/email", { email, password: PASSWORD, ...extra }, as);
const signOut = (as?: string) => post("/sign-out", {}, as);

interface TwoFactorScript {
  name: string;
  options: TwoFactorSectionOptions;
  run(s: TwoFactorRun): Promise<void>;
}

/** The configuration of the main sections: appName, the username plugin, twoFactor with sendOTP. */
const MAIN: TwoFactorSectionOptions = { appName: "WireTest", username: true, twoFactor: { otp: true } };

export const TWO_FACTOR_SECTIONS: TwoFactorScript[] = [
  {
    name: "enrol, challenge, otp, backup codes, disable, limits, origin checks",
    options: MAIN,
    async run(s) {
      // A. sign-up, enrol TOTP, confirm it
      await s.t(
        1,
        "sign up (email + username)",
        post("/sign-up/email", { name: "Alice", email: "alice@example.com", password: PASSWORD, username: "alice" }),
      );
      await s.t(2, "get session", get("/get-session"));
      await s.t(3, "enable with a wrong password", post("/two-factor/enable", { password: "wrong-password" }));
      s.enrolment(await s.t(4, "enable (method defaults to totp)", post("/two-factor/enable", { password: PASSWORD })));
      const alice = s.enrolment(
        await s.t(5, "enable again while enrolment is pending (new secret and codes)", post("/two-factor/enable", { password: PASSWORD })),
      );
      await s.t(6, "get TOTP URI (session + password)", post("/two-factor/get-totp-uri", { password: PASSWORD }));
      await s.t(7, "get TOTP URI without password", post("/two-factor/get-totp-uri", {}));
      await s.t(8, "verify TOTP, wrong code (session path)", verify({ code: "000000" }));
      await s.t(9, "verify TOTP, correct code (session path: finishes enrolment)", verify({ code: s.totp(alice.uri) }));
      await s.t(10, "get session (twoFactorEnabled now true)", get("/get-session"));
      await s.t(11, "enable again once verified", post("/two-factor/enable", { password: PASSWORD }));
      await s.t(12, "sign out", signOut());

      // B. sign-in challenge, TOTP with trustDevice, a sign-in that skips 2FA
      await s.t(13, "sign in with email (2FA required)", signIn("alice@example.com"));
      await s.t(14, "get session while 2FA is pending", get("/get-session"));
      await s.t(15, "verify TOTP, wrong code (sign-in path)", verify({ code: "123456" }));
      await s.t(16, "verify TOTP without a code field", verify({ trustDevice: true }));
      const consumed = await s.t(17, "verify TOTP, correct code, trustDevice", verify({ code: s.totp(alice.uri), trustDevice: true }));
      await s.t(18, "replay of the consumed two_factor cookie", {
        ...verify({ code: s.totp(alice.uri) }),
        cookie: consumed.request.headers.cookie,
      });
      await s.t(19, "sign out (the trust_device cookie is kept)", signOut());
      await s.t(20, "sign in with the trust_device cookie: 2FA skipped", signIn("alice@example.com"));
      await s.t(21, "sign out", signOut());

      // C. OTP via /sign-in/username with rememberMe=false (browser b: no trust cookie)
      await s.t(
        22,
        "sign in with username, rememberMe=false",
        post("/sign-in/username", { username: "alice", password: PASSWORD, rememberMe: false }, "b"),
      );
      await s.t(23, "verify OTP before any OTP was sent", post("/two-factor/verify-otp", { code: "000000" }, "b"));
      await s.t(24, "send OTP", post("/two-factor/send-otp", {}, "b"));
      await s.t(25, "verify OTP, wrong code", post("/two-factor/verify-otp", { code: "999999" }, "b"));
      await s.t(26, "verify OTP, correct code", post("/two-factor/verify-otp", { code: s.otp() }, "b"));
      await s.t(27, "get session (dont_remember present: no refresh)", get("/get-session", "b"));

      // D. backup codes
      const fresh = s.backupCodes(
        await s.t(
          28,
          "generate new backup codes (session + password)",
          post("/two-factor/generate-backup-codes", { password: PASSWORD }, "b"),
        ),
      );
      await s.t(29, "send OTP with a session (session path)", post("/two-factor/send-otp", {}, "b"));
      await s.after("verify that OTP with the session", post("/two-factor/verify-otp", { code: s.otp() }, "b"));
      await s.t(30, "sign out", signOut("b"));
      await s.t(31, "sign in (2FA required; sign-out cleared dont_remember)", signIn("alice@example.com", "b"));
      await s.t(32, "verify backup code, wrong", post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" }, "b"));
      await s.t(33, "verify backup code, correct", post("/two-factor/verify-backup-code", { code: fresh[0] }, "b"));
      await s.t(34, "verify backup code on a session (already used code)", post("/two-factor/verify-backup-code", { code: fresh[0] }, "b"));
      await s.t(
        35,
        "verify backup code on a session, valid code, disableSession=true",
        post("/two-factor/verify-backup-code", { code: fresh[1], disableSession: true }, "b"),
      );

      // E. disable
      await s.t(36, "disable with a wrong password", post("/two-factor/disable", { password: "nope-nope" }, "b"));
      await s.t(37, "disable", post("/two-factor/disable", { password: PASSWORD }, "b"));
      await s.t(38, "sign out", signOut("b"));
      await s.t(39, "sign in after disable (no challenge)", signIn("alice@example.com", "b"));
      await s.t(40, "generate backup codes while 2FA is off", post("/two-factor/generate-backup-codes", { password: PASSWORD }, "b"));

      // F. OTP-only enrolment (browser c)
      await s.t(41, "sign up Bob", post("/sign-up/email", { name: "Bob", email: "bob@example.com", password: PASSWORD }, "c"));
      await s.t(42, "enable with method=otp", post("/two-factor/enable", { password: PASSWORD, method: "otp" }, "c"));
      await s.t(43, "get TOTP URI for an OTP-only user", post("/two-factor/get-totp-uri", { password: PASSWORD }, "c"));
      await s.t(44, "sign out", signOut("c"));
      await s.t(45, "sign in, OTP-only user", signIn("bob@example.com", "c"));
      await s.t(46, "verify-totp for an OTP-only user", verify({ code: "123456" }, "c"));
      await s.t(47, "verify-backup-code for an OTP-only user", post("/two-factor/verify-backup-code", { code: "AAAAA-BBBBB" }, "c"));
      await s.t(48, "send OTP (no body)", { method: "POST", path: "/two-factor/send-otp", as: "c" });
      for (let i = 1; i <= 5; i++) {
        await s.t(48 + i, `wrong OTP #${i}`, post("/two-factor/verify-otp", { code: `00000${i}` }, "c"));
      }
      const bobOtp = s.otp();
      await s.t(54, "correct OTP after 5 failures", post("/two-factor/verify-otp", { code: bobOtp }, "c"));
      await s.t(55, "the same OTP again (code row consumed)", post("/two-factor/verify-otp", { code: bobOtp }, "c"));

      // pending-cookie edge cases (browser n: never holds a cookie)
      await s.t(56, "verify-totp with no cookies at all", verify({ code: "123456" }, "n"));
      await s.t(57, "verify-totp with a two_factor cookie whose signature is wrong", {
        ...verify({ code: "123456" }, "n"),
        cookie: `better-auth.two_factor=2fa-forged.${"A".repeat(43)}%3D`,
      });
      await s.t(58, "enable without a session", post("/two-factor/enable", { password: "x" }, "n"));

      // per-challenge attempt cap and account lockout (browser d)
      await s.t(59, "sign up Carol", post("/sign-up/email", { name: "Carol", email: "carol@example.com", password: PASSWORD }, "d"));
      const carol = s.enrolment(await s.t(60, "enable", post("/two-factor/enable", { password: PASSWORD }, "d")));
      await s.t(61, "confirm", verify({ code: s.totp(carol.uri) }, "d"));
      await s.t(62, "sign out", signOut("d"));
      await s.t(63, "sign in", signIn("carol@example.com", "d"));
      for (let i = 1; i <= 5; i++) await s.t(63 + i, `wrong TOTP #${i}`, verify({ code: "000000" }, "d"));
      await s.t(69, "6th attempt on the same challenge, with the correct code", verify({ code: s.totp(carol.uri) }, "d"));
      await s.t(70, "sign in again (new challenge)", signIn("carol@example.com", "d"));
      for (let i = 6; i <= 10; i++) await s.t(65 + i, `wrong TOTP #${i} (account-wide)`, verify({ code: "000000" }, "d"));
      await s.t(76, "sign in again (new challenge)", signIn("carol@example.com", "d"));
      await s.t(77, "correct TOTP while the account is locked", verify({ code: s.totp(carol.uri) }, "d"));

      // origin / CSRF checks (browser e holds Dave's session; f, g, h hold nothing)
      await s.t(78, "sign up Dave", post("/sign-up/email", { name: "Dave", email: "dave@example.com", password: PASSWORD }, "e"));
      await s.t(
        79,
        "POST with a session cookie but no Origin or Referer",
        post("/two-factor/enable", { password: PASSWORD }, "e", { headers: { origin: null } }),
      );
      await s.t(
        80,
        "POST with a session cookie and an untrusted Origin",
        post("/two-factor/enable", { password: PASSWORD }, "e", { headers: { origin: "https://evil.example" } }),
      );
      await s.t(
        81,
        "POST with a session cookie and a trusted Referer only",
        post("/two-factor/enable", { password: PASSWORD }, "e", { headers: { origin: null, referer: `${BASE_URL}/settings` } }),
      );
      await s.t(82, "sign-in with no cookie and no Origin (allowed)", {
        ...signIn("dave@example.com", "f"),
        headers: { origin: null },
      });
      await s.t(83, "sign-in as a cross-site navigation (login CSRF guard)", {
        ...signIn("dave@example.com", "g"),
        headers: { origin: null, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
      });
      await s.t(84, "sign-in with an untrusted Origin and no cookie", {
        ...signIn("dave@example.com", "h"),
        headers: { origin: "https://evil.example" },
      });
      await s.t(85, "a body that is not JSON (text/plain)", {
        method: "POST",
        path: "/two-factor/verify-totp",
        rawBody: "code=123456",
        headers: { "content-type": "text/plain" },
        as: "n",
      });
      await s.t(86, "unknown path", post("/two-factor/nope", {}, "n"));
      await s.t(87, "GET on a POST-only endpoint", get("/two-factor/enable", "e"));
    },
  },
  {
    name: "skipVerificationOnEnable, issuer, no sendOTP, callbackURL",
    options: { appName: "WireTest", username: true, twoFactor: { skipVerificationOnEnable: true, issuer: "TopLevelIssuer" } },
    async run(s) {
      await s.t(88, "sign up", post("/sign-up/email", { name: "Erin", email: "erin@example.com", password: PASSWORD }));
      await s.t(
        89,
        "enable (skipVerificationOnEnable, per-call issuer)",
        post("/two-factor/enable", { password: PASSWORD, issuer: "PerCallIssuer" }),
      );
      await s.t(90, "get TOTP URI (which issuer it names)", post("/two-factor/get-totp-uri", { password: PASSWORD }));
      await s.t(91, "send-otp when sendOTP is not configured", post("/two-factor/send-otp", {}));
      await s.t(92, "enable method=otp when sendOTP is not configured", post("/two-factor/enable", { password: PASSWORD, method: "otp" }));
      await s.t(93, "sign out", signOut());
      await s.t(94, "sign in with callbackURL (2FA required, TOTP only)", signIn("erin@example.com", "a", { callbackURL: "/dashboard" }));
    },
  },
  {
    name: "https baseURL (__Secure- cookies)",
    options: { baseURL: "https://auth.example.com", appName: "WireTest", twoFactor: {} },
    async run(s) {
      await s.t(95, "sign up over https", post("/sign-up/email", { name: "Sec", email: "sec@example.com", password: PASSWORD }));
      const sec = s.enrolment(await s.setup("enable", post("/two-factor/enable", { password: PASSWORD })));
      await s.setup("confirm", verify({ code: s.totp(sec.uri) }));
      await s.setup("sign out", signOut());
      await s.t(96, "sign in over https, rememberMe=false (challenge)", signIn("sec@example.com", "a", { rememberMe: false }));
      await s.t(97, "verify TOTP with trustDevice over https", verify({ code: s.totp(sec.uri), trustDevice: true }));
      await s.t(98, "disable while holding a trust_device cookie", post("/two-factor/disable", { password: PASSWORD }));
    },
  },
  {
    name: "rate limiting on",
    options: { appName: "WireTest", rateLimit: true, twoFactor: {} },
    async run(s) {
      await s.setup("verify-totp request #1 within 10 s", verify({ code: "123456" }, "n"));
      await s.setup("verify-totp request #2 within 10 s", verify({ code: "123456" }, "n"));
      await s.t(99, "verify-totp request #3 within 10 s (no cookies)", verify({ code: "123456" }, "n"));
      await s.t(100, "verify-totp request #4 within 10 s (no cookies)", verify({ code: "123456" }, "n"));
    },
  },
  {
    name: "backup code with disableSession on a sign-in challenge",
    options: MAIN,
    async run(s) {
      await s.setup("sign up", post("/sign-up/email", { name: "Bk", email: "bk@example.com", password: PASSWORD }));
      const bk = s.enrolment(await s.setup("enable", post("/two-factor/enable", { password: PASSWORD })));
      await s.setup("confirm", verify({ code: s.totp(bk.uri) }));
      await s.setup("sign out", signOut());
      await s.setup("sign in (challenge)", signIn("bk@example.com"));
      await s.t(
        101,
        "backup code with disableSession=true on the pending challenge",
        post("/two-factor/verify-backup-code", { code: bk.codes[0], disableSession: true }),
      );
      await s.after("another backup code on the same challenge", post("/two-factor/verify-backup-code", { code: bk.codes[1] }));
    },
  },
  {
    name: "core endpoints: error shapes and session edge cases",
    options: MAIN,
    async run(s) {
      // browser x never receives a cookie; u and w take the sessions of the successful sign-ins
      await s.setup(
        "sign up T (username tester)",
        post("/sign-up/email", { name: "T", email: "t@example.com", password: PASSWORD, username: "tester" }, "t"),
      );
      await s.t(102, "duplicate email on sign-up", post("/sign-up/email", { name: "T", email: "t@example.com", password: PASSWORD }, "x"));
      await s.t(103, "password shorter than 8", post("/sign-up/email", { name: "T", email: "t2@example.com", password: "short" }, "x"));
      await s.after(
        "password longer than 128",
        post("/sign-up/email", { name: "T", email: "t2@example.com", password: "x".repeat(129) }, "x"),
      );
      await s.t(104, "malformed email on sign-up", post("/sign-up/email", { name: "T", email: "nope", password: PASSWORD }, "x"));
      await s.t(105, "missing name on sign-up", post("/sign-up/email", { email: "t3@example.com", password: PASSWORD }, "x"));
      await s.t(
        106,
        "username already taken",
        post("/sign-up/email", { name: "T", email: "t4@example.com", password: PASSWORD, username: "tester" }, "x"),
      );
      await s.t(
        107,
        "username with illegal characters",
        post("/sign-up/email", { name: "T", email: "t5@example.com", password: PASSWORD, username: "a b" }, "x"),
      );
      await s.after(
        "username too short",
        post("/sign-up/email", { name: "T", email: "t6@example.com", password: PASSWORD, username: "ab" }, "x"),
      );
      await s.after(
        "username too long",
        post("/sign-up/email", { name: "T", email: "t7@example.com", password: PASSWORD, username: "u".repeat(31) }, "x"),
      );
      await s.t(108, "sign-in, wrong password", post("/sign-in/email", { email: "t@example.com", password: "wrongwrong" }, "x"));
      await s.t(109, "sign-in, unknown email", post("/sign-in/email", { email: "zz@example.com", password: "wrongwrong" }, "x"));
      await s.t(110, "sign-in, malformed email", post("/sign-in/email", { email: "zz", password: "wrongwrong" }, "x"));
      await s.t(111, "username sign-in, wrong password", post("/sign-in/username", { username: "tester", password: "wrongwrong" }, "x"));
      await s.t(112, "username sign-in, username too short", post("/sign-in/username", { username: "a", password: "wrongwrong" }, "x"));
      await s.after("username sign-in, unknown username", post("/sign-in/username", { username: "nobody", password: "wrongwrong" }, "x"));
      await s.after(
        "username sign-in, username too long",
        post("/sign-in/username", { username: "u".repeat(31), password: "wrongwrong" }, "x"),
      );
      await s.after("username sign-in, illegal characters", post("/sign-in/username", { username: "a b", password: "wrongwrong" }, "x"));
      await s.t(113, "username sign-in is case-insensitive", post("/sign-in/username", { username: "TESTER", password: PASSWORD }, "u"));
      const unknown = "A".repeat(32);
      await s.t(114, "get-session with a well-signed cookie for a token that does not exist", {
        ...get("/get-session", "x"),
        cookie: `better-auth.session_token=${signedCookieValue(unknown)}`,
      });
      await s.t(115, "get-session with a bad signature (cookie ignored)", {
        ...get("/get-session", "x"),
        cookie: `better-auth.session_token=${unknown}.${"A".repeat(43)}%3D`,
      });
      await s.t(116, "get-session via POST", post("/get-session", {}, "x"));
      await s.t(117, "sign-out with no cookie and no body", { method: "POST", path: "/sign-out", as: "x" });
      await s.t(118, "verify-totp with a form-encoded body", {
        method: "POST",
        path: "/two-factor/verify-totp",
        rawBody: "code=123456",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        as: "x",
      });
      await s.t(119, "sign-in/email with a form-encoded body", {
        method: "POST",
        path: "/sign-in/email",
        rawBody: `email=${encodeURIComponent("t@example.com")}&password=${PASSWORD}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        as: "w",
      });
      await s.after("sign-up/email with a form-encoded body", {
        method: "POST",
        path: "/sign-up/email",
        rawBody: `name=F&email=${encodeURIComponent("f@example.com")}&password=${PASSWORD}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        as: "v",
      });
      await s.t(120, "OPTIONS preflight", { method: "OPTIONS", path: "/sign-in/email", as: "x", headers: { origin: null } });
    },
  },
];

/** Run every section against servers from `make`, normalized. */
export async function runTwoFactorScenario(make: MakeTwoFactorServer): Promise<TwoFactorSection[]> {
  const out: TwoFactorSection[] = [];
  for (const script of TWO_FACTOR_SECTIONS) {
    const server = await make(script.options);
    const run = new Run(server, script.options.baseURL ?? BASE_URL, TWO_FACTOR_HEADERS);
    await script.run(new TwoFactorRun(run, server));
    out.push({ name: script.name, options: script.options, exchanges: normalize(run.exchanges, run.volatile, TWO_FACTOR_SHAPES) });
  }
  return out;
}

/** The JSON file's text: stable key order, two-space indent, trailing newline. */
export function twoFactorTranscriptText(sections: TwoFactorSection[]): string {
  return `${JSON.stringify({ betterAuth: "1.7.25", baseURL: BASE_URL, sections }, null, 2)}\n`;
}
