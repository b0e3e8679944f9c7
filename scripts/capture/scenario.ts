/**
 * The scripted account-lifecycle sequence behind docs/transcripts/account.json, run unchanged against
 * any Fetch handler (Better Auth 1.7.25 by scripts/capture/better-auth.ts, Kernia by
 * test/account/transcripts.test.ts), and the normalizer that turns its answers into stable text.
 *
 * Each section runs on a fresh server made with the section's options. Steps are functions of what
 * earlier answers and mails gave (cookies per browser, the last mailed token), so both servers get the
 * same requests in the same order. Volatile values (ids, tokens, JWTs, dates, cookie signatures) are
 * replaced by placeholders numbered by first appearance within a section: two runs compare equal
 * exactly when every such value shows up in the same places, with the same shape.
 */

import { createHmac } from "node:crypto";

export type Handler = (request: Request) => Promise<Response>;

/** What the server's mail callbacks were given (sendResetPassword, sendVerificationEmail...). */
export interface Mail {
  kind: "reset-password" | "verify-email" | "delete-account";
  to: string;
  url: string;
  token: string;
}

/** Server options a section needs, in the vocabulary both Better Auth and Kernia share. */
export interface SectionOptions {
  emailAndPassword?: {
    requireEmailVerification?: boolean;
    revokeSessionsOnPasswordReset?: boolean;
    /** false: no sendResetPassword callback. Default: one that records the mail. */
    sendResetPassword?: boolean;
  };
  emailVerification?: { sendOnSignUp?: boolean; autoSignInAfterVerification?: boolean };
  user?: {
    changeEmail?: { enabled: boolean };
    deleteUser?: { enabled: boolean; sendDeleteAccountVerification?: boolean };
  };
}

/** A one-time code a sendOTP callback was given (the two-factor scenario). */
export interface SentOtp {
  to: string;
  otp: string;
}

/** A section's server: its handler and the mails its callbacks recorded. */
export interface Server {
  handler: Handler;
  mails: Mail[];
  /** One-time codes its two-factor sendOTP callback recorded, when it has one. */
  otps?: SentOtp[];
  /** Called before each request (the capture advances its clock here). */
  tick?: () => void;
}

export type MakeServer = (options: SectionOptions) => Promise<Server>;

export interface Exchange {
  /** The exchange's stable id ("T#n") in docs/transcripts/two-factor.json; absent for setup steps. */
  id?: string;
  step: string;
  request: { method: string; path: string; headers: Record<string, string>; body?: unknown };
  response: { status: number; headers: Record<string, string>; cookies: string[]; body: unknown };
  /** Mails sent while handling this request. */
  mails: Mail[];
  /** One-time codes sent while handling this request (only on servers that record them). */
  otps?: SentOtp[];
}

export interface Section {
  name: string;
  options: SectionOptions;
  exchanges: Exchange[];
}

export const BASE_URL = "http://localhost:3000";
export const SECRET = "better-auth-wire-research-secret-0123456789";
const PREFIX = "/api/auth";

/** Response headers worth comparing (the rest is framework noise). */
export const KEPT_HEADERS = ["location", "content-type", "cache-control"];

export interface StepInput {
  method: "GET" | "POST" | "OPTIONS";
  path: string;
  body?: unknown;
  /** A body sent as is instead of JSON (give its content-type in `headers`). */
  rawBody?: string;
  /** Header overrides: a string replaces or adds the header, null leaves it out (e.g. no Origin). */
  headers?: Record<string, string | null>;
  /** A Cookie header sent instead of the browser's cookies (a forged cookie). */
  cookie?: string;
  /** Which browser sends it (its cookies go with it). Default "a". */
  as?: string;
  userAgent?: string;
  /** The exchange's stable id (see Exchange.id). */
  id?: string;
}

class Browser {
  readonly cookies = new Map<string, string>();
  keep(lines: string[]): void {
    for (const line of lines) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      if (attrs.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** One section being run: browsers, mails seen so far, and the exchanges recorded. */
export class Run {
  readonly exchanges: Exchange[] = [];
  /** Values the script learnt are volatile (codes), by value: the placeholder kind each gets. */
  readonly volatile = new Map<string, string>();
  private readonly browsers = new Map<string, Browser>();
  private mailsSeen = 0;
  private otpsSeen = 0;

  constructor(
    private readonly server: Server,
    private readonly baseURL: string = BASE_URL,
    private readonly keptHeaders: readonly string[] = KEPT_HEADERS,
  ) {}

  /** The newest one-time code the server's sendOTP callback was given. */
  lastOtp(): string {
    const o = this.server.otps?.at(-1);
    if (!o) throw new Error("scenario: expected a one-time code, none was sent");
    return o.otp;
  }

  browser(name: string): Browser {
    let b = this.browsers.get(name);
    if (!b) this.browsers.set(name, (b = new Browser()));
    return b;
  }

  /** The newest mail (throws when none was sent: the scenario depends on it). */
  lastMail(): Mail {
    const m = this.server.mails.at(-1);
    if (!m) throw new Error("scenario: expected a mail, none was sent");
    return m;
  }

  /** The session token a browser holds (unsigned part of its session cookie). */
  sessionToken(name: string): string {
    const raw = this.browser(name).cookies.get("better-auth.session_token");
    if (!raw) throw new Error(`scenario: browser ${name} has no session cookie`);
    const decoded = decodeURIComponent(raw);
    return decoded.slice(0, decoded.lastIndexOf("."));
  }

  async send(step: string, input: StepInput): Promise<Exchange> {
    const b = this.browser(input.as ?? "a");
    const headers: Record<string, string> = {
      origin: this.baseURL,
      "user-agent": input.userAgent ?? `browser-${input.as ?? "a"}`,
      "x-forwarded-for": "203.0.113.7",
    };
    if (input.body !== undefined) headers["content-type"] = "application/json";
    const cookie = input.cookie ?? b.header();
    if (cookie) headers.cookie = cookie;
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    this.server.tick?.();
    // A body field given as a function is computed now, after the clock moved (a TOTP code).
    const payload =
      input.body !== null && typeof input.body === "object" && !Array.isArray(input.body)
        ? Object.fromEntries(Object.entries(input.body).map(([k, v]) => [k, typeof v === "function" ? v() : v]))
        : input.body;
    const res = await this.server.handler(
      new Request(`${this.baseURL}${PREFIX}${input.path}`, {
        method: input.method,
        headers,
        body: input.rawBody ?? (payload === undefined ? undefined : JSON.stringify(payload)),
        redirect: "manual",
      }),
    );
    const cookies = res.headers.getSetCookie();
    b.keep(cookies);
    const text = await res.text();
    let body: unknown = text === "" ? null : text;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      /* non-JSON body kept as text */
    }
    const kept: Record<string, string> = {};
    for (const name of this.keptHeaders) {
      const v = res.headers.get(name);
      if (v !== null) kept[name] = name === "content-type" ? v.split(";")[0] : v;
    }
    const mails = this.server.mails.slice(this.mailsSeen);
    this.mailsSeen = this.server.mails.length;
    const otps = this.server.otps?.slice(this.otpsSeen);
    this.otpsSeen = this.server.otps?.length ?? 0;
    const sent = input.rawBody ?? payload;
    const exchange: Exchange = {
      ...(input.id !== undefined ? { id: input.id } : {}),
      step,
      request: { method: input.method, path: input.path, headers, ...(sent !== undefined ? { body: sent } : {}) },
      response: { status: res.status, headers: kept, cookies, body },
      mails,
      ...(otps !== undefined ? { otps } : {}),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  post(step: string, path: string, body: unknown = {}, as?: string, userAgent?: string) {
    return this.send(step, { method: "POST", path, body, as, userAgent });
  }

  get(step: string, path: string, as?: string) {
    return this.send(step, { method: "GET", path, as });
  }

  signUp(step: string, name: string, email: string, as?: string) {
    return this.post(step, "/sign-up/email", { name, email, password: "password1234" }, as);
  }

  signIn(step: string, email: string, password: string, as?: string, userAgent?: string) {
    return this.post(step, "/sign-in/email", { email, password }, as, userAgent);
  }
}

export interface SectionScript<O = SectionOptions> {
  name: string;
  options: O;
  run(r: Run): Promise<void>;
}

const q = encodeURIComponent;

export const SECTIONS: SectionScript[] = [
  {
    name: "password-reset",
    options: { emailAndPassword: { revokeSessionsOnPasswordReset: true } },
    async run(r) {
      await r.signUp("sign up", "Alice", "alice@example.com");
      await r.post("request reset: unknown email (same answer, no mail)", "/request-password-reset", {
        email: "nobody@example.com",
        redirectTo: "/reset",
      });
      await r.post("request reset: not an email", "/request-password-reset", { email: "nope" });
      await r.post("request reset: no body field", "/request-password-reset", {});
      await r.post("request reset", "/request-password-reset", { email: "alice@example.com", redirectTo: "/reset" });
      const token = r.lastMail().token;
      await r.get("reset link: valid token redirects with ?token=", `/reset-password/${token}?callbackURL=${q("/reset")}`);
      await r.get(
        "reset link: unknown token redirects with ?error=INVALID_TOKEN",
        `/reset-password/not-a-token?callbackURL=${q("/reset")}`,
      );
      await r.get("reset link: no callbackURL", `/reset-password/${token}`);
      await r.post("reset: password too short", "/reset-password", { newPassword: "short", token });
      await r.post("reset: password too long", "/reset-password", { newPassword: "x".repeat(129), token });
      await r.post("reset: unknown token", "/reset-password", { newPassword: "new-password-1", token: "not-a-token" });
      await r.post("reset: no token", "/reset-password", { newPassword: "new-password-1" });
      await r.post("reset: no newPassword", "/reset-password", { token });
      await r.post("reset", "/reset-password", { newPassword: "new-password-1", token });
      await r.post("reset: token already used", "/reset-password", { newPassword: "new-password-2", token });
      await r.get("reset link: used token", `/reset-password/${token}?callbackURL=${q("/reset")}`);
      await r.get("old session after reset (revoked)", "/get-session");
      await r.signIn("sign in with the old password", "alice@example.com", "password1234");
      await r.signIn("sign in with the new password", "alice@example.com", "new-password-1");
      await r.post("request reset: token in the query", "/request-password-reset", { email: "alice@example.com" });
      const second = r.lastMail().token;
      await r.send("reset with the token in the query", {
        method: "POST",
        path: `/reset-password?token=${second}`,
        body: { newPassword: "new-password-3" },
      });
      await r.signIn("sign in after the second reset", "alice@example.com", "new-password-3");
    },
  },
  {
    name: "password-reset-disabled",
    options: { emailAndPassword: { sendResetPassword: false } },
    async run(r) {
      await r.signUp("sign up", "Alice", "alice@example.com");
      await r.post("request reset without sendResetPassword", "/request-password-reset", { email: "alice@example.com" });
    },
  },
  {
    name: "change-password",
    options: {},
    async run(r) {
      await r.signUp("sign up (browser a)", "Bob", "bob@example.com", "a");
      await r.signIn("sign in (browser b)", "bob@example.com", "password1234", "b");
      await r.post("no session", "/change-password", { currentPassword: "password1234", newPassword: "new-password-1" }, "nobody");
      await r.post("wrong current password", "/change-password", { currentPassword: "wrong-password", newPassword: "new-password-1" });
      await r.post("new password too short", "/change-password", { currentPassword: "password1234", newPassword: "short" });
      await r.post("missing fields", "/change-password", { newPassword: "new-password-1" });
      await r.post("revokeOtherSessions not a boolean", "/change-password", {
        currentPassword: "password1234",
        newPassword: "new-password-1",
        revokeOtherSessions: "yes",
      });
      await r.post("change, keep other sessions", "/change-password", { currentPassword: "password1234", newPassword: "new-password-1" });
      await r.get("browser b still signed in", "/get-session", "b");
      await r.post("change, revoke other sessions", "/change-password", {
        currentPassword: "new-password-1",
        newPassword: "new-password-2",
        revokeOtherSessions: true,
      });
      await r.get("browser b signed out", "/get-session", "b");
      await r.get("browser a on its new session", "/get-session", "a");
      await r.signIn("sign in with the newest password", "bob@example.com", "new-password-2", "c");
    },
  },
  {
    name: "sessions",
    options: {},
    async run(r) {
      await r.signUp("sign up (browser a)", "Carol", "carol@example.com", "a");
      await r.signIn("sign in (browser b)", "carol@example.com", "password1234", "b");
      await r.signIn("sign in (browser c)", "carol@example.com", "password1234", "c");
      await r.signUp("another user (browser z)", "Zed", "zed@example.com", "z");
      await r.get("list sessions", "/list-sessions", "a");
      await r.get("list sessions: no session", "/list-sessions", "nobody");
      await r.post("revoke session: no token", "/revoke-session", {}, "a");
      await r.post("revoke session: unknown token", "/revoke-session", { token: "not-a-token" }, "a");
      await r.post("revoke session: another user's token (ignored)", "/revoke-session", { token: r.sessionToken("z") }, "a");
      await r.get("the other user is still signed in", "/get-session", "z");
      await r.post("revoke session of browser b", "/revoke-session", { token: r.sessionToken("b") }, "a");
      await r.get("browser b signed out", "/get-session", "b");
      await r.get("list sessions after revoking one", "/list-sessions", "a");
      await r.post("revoke other sessions", "/revoke-other-sessions", {}, "a");
      await r.get("browser c signed out", "/get-session", "c");
      await r.get("browser a still signed in", "/get-session", "a");
      await r.signIn("sign in again (browser b)", "carol@example.com", "password1234", "b");
      await r.post("revoke all sessions", "/revoke-sessions", {}, "a");
      await r.get("browser a signed out", "/get-session", "a");
      await r.get("browser b signed out too", "/get-session", "b");
      await r.post("revoke sessions: no session", "/revoke-sessions", {}, "a");
      await r.post("revoke other sessions: no session", "/revoke-other-sessions", {}, "a");
      await r.signIn("sign in (browser d)", "carol@example.com", "password1234", "d");
      await r.post("revoke its own session", "/revoke-session", { token: r.sessionToken("d") }, "d");
      await r.get("browser d signed out", "/get-session", "d");
    },
  },
  {
    name: "email-verification",
    options: {
      emailAndPassword: { requireEmailVerification: true },
      emailVerification: { sendOnSignUp: true, autoSignInAfterVerification: true },
    },
    async run(r) {
      await r.signUp("sign up (no session, verification mail)", "Dave", "dave@example.com");
      await r.signIn("sign in before verifying", "dave@example.com", "password1234");
      await r.post("send again, no session", "/send-verification-email", { email: "dave@example.com", callbackURL: "/verified" });
      await r.post("send: unknown email (same answer, no mail)", "/send-verification-email", { email: "nobody@example.com" });
      await r.post("send: not an email", "/send-verification-email", { email: "nope" });
      await r.get("verify: bad token", "/verify-email?token=not-a-token");
      await r.get("verify: bad token with callbackURL", `/verify-email?token=not-a-token&callbackURL=${q("/verified")}`);
      await r.get("verify: no token", "/verify-email");
      await r.get(
        "verify the newest link with callbackURL (auto sign-in)",
        `/verify-email?token=${r.lastMail().token}&callbackURL=${q("/verified")}`,
      );
      await r.get("signed in and verified", "/get-session");
      await r.post("send: already verified", "/send-verification-email", { email: "dave@example.com" });
      await r.post("send: another email than the session's", "/send-verification-email", { email: "other@example.com" });
      await r.signIn("sign in after verifying", "dave@example.com", "password1234", "b");
    },
  },
  {
    name: "email-verification-json",
    options: { emailVerification: { autoSignInAfterVerification: false } },
    async run(r) {
      await r.signUp("sign up", "Erin", "erin@example.com");
      await r.post("send for the session's email", "/send-verification-email", { email: "erin@example.com" });
      await r.get("verify without callbackURL", `/verify-email?token=${r.lastMail().token}`, "other");
      await r.get("session shows verified", "/get-session");
    },
  },
  {
    name: "profile",
    options: { user: { changeEmail: { enabled: true } } },
    async run(r) {
      await r.signUp("sign up", "Frank", "frank@example.com");
      await r.signUp("another user", "Grace", "grace@example.com", "g");
      await r.post("update name", "/update-user", { name: "Frank Two" });
      await r.post("update image", "/update-user", { image: "https://example.com/frank.png" });
      await r.get("session shows the update", "/get-session");
      await r.post("update: nothing to update", "/update-user", {});
      await r.post("update: email is not updatable here", "/update-user", { email: "x@example.com" });
      await r.post("update: no session", "/update-user", { name: "X" }, "nobody");
      await r.post("change email: same email", "/change-email", { newEmail: "frank@example.com" });
      await r.post("change email: not an email", "/change-email", { newEmail: "nope" });
      await r.post("change email: taken (same answer, no mail)", "/change-email", { newEmail: "grace@example.com" });
      await r.post("change email: no session", "/change-email", { newEmail: "x@example.com" }, "nobody");
      await r.post("change email", "/change-email", { newEmail: "frank2@example.com", callbackURL: "/changed" });
      await r.get("email unchanged until verified", "/get-session");
      await r.get("verify the change", `/verify-email?token=${r.lastMail().token}`);
      await r.get("session shows the new email", "/get-session");
      await r.signIn("sign in with the new email", "frank2@example.com", "password1234", "b");
    },
  },
  {
    name: "change-email-disabled",
    options: {},
    async run(r) {
      await r.signUp("sign up", "Heidi", "heidi@example.com");
      await r.post("change email when disabled", "/change-email", { newEmail: "heidi2@example.com" });
    },
  },
  {
    name: "delete-user",
    options: { user: { deleteUser: { enabled: true } } },
    async run(r) {
      await r.signUp("sign up", "Ivan", "ivan@example.com");
      await r.post("no session", "/delete-user", { password: "password1234" }, "nobody");
      await r.post("wrong password", "/delete-user", { password: "wrong-password" });
      await r.post("unknown token", "/delete-user", { token: "not-a-token" });
      await r.post("delete with password", "/delete-user", { password: "password1234" });
      await r.get("session gone", "/get-session");
      await r.signIn("sign in after deletion", "ivan@example.com", "password1234");
      await r.signUp("sign up (fresh session)", "Judy", "judy@example.com", "j");
      await r.post("delete a fresh session without password", "/delete-user", {}, "j");
      await r.signUp("the email is free again", "Ivan", "ivan@example.com", "k");
    },
  },
  {
    name: "delete-user-verification",
    options: { user: { deleteUser: { enabled: true, sendDeleteAccountVerification: true } } },
    async run(r) {
      await r.signUp("sign up", "Mallory", "mallory@example.com");
      await r.post("delete asks for confirmation", "/delete-user", { callbackURL: "/bye" });
      const token = r.lastMail().token;
      await r.get("callback: unknown token", `/delete-user/callback?token=not-a-token`);
      await r.get("callback: no token", `/delete-user/callback`);
      await r.get("callback: no session", `/delete-user/callback?token=${token}`, "nobody");
      await r.get("callback deletes and redirects", `/delete-user/callback?token=${token}&callbackURL=${q("/bye")}`);
      await r.get("session gone", "/get-session");
      await r.signUp("sign up again", "Mallory", "mallory@example.com", "b");
      await r.post("delete asks again", "/delete-user", {}, "b");
      await r.post("delete with the mailed token in the body", "/delete-user", { token: r.lastMail().token }, "b");
      await r.get("session gone (b)", "/get-session", "b");
    },
  },
  {
    name: "delete-user-disabled",
    options: {},
    async run(r) {
      await r.signUp("sign up", "Oscar", "oscar@example.com");
      await r.post("delete when disabled", "/delete-user", { password: "password1234" });
      await r.get("callback when disabled", "/delete-user/callback?token=x");
    },
  },
];

/** Run the given sections (all by default) against servers from `make`, normalized. */
export async function runScenario(make: MakeServer, only?: readonly string[]): Promise<Section[]> {
  const out: Section[] = [];
  for (const script of SECTIONS) {
    if (only && !only.includes(script.name)) continue;
    const server = await make(script.options);
    const run = new Run(server);
    await script.run(run);
    out.push({ name: script.name, options: script.options, exchanges: normalize(run.exchanges) });
  }
  return out;
}

const ISO_DATE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z/g;
/** JWTs, then runs of 20+ token characters (ids, session and reset tokens). */
const VOLATILE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[A-Za-z0-9]{20,}/g;

/** Shapes of volatile values a scenario adds to the default ones, each with its placeholder kind. */
export interface VolatileShape {
  pattern: RegExp;
  kind: string;
}
/** better-call's cookie signature: "." + 44 chars of padded base64 at the end of the decoded value. */
const SIGNATURE = /\.[A-Za-z0-9+/]{43}=$/;
const hmacBase64 = (value: string) => createHmac("sha256", SECRET).update(value).digest("base64");

class Placeholders {
  private readonly seen = new Map<string, string>();
  /**
   * `exact`: values known to be volatile (codes), replaced only where a whole string equals one, so a
   * six-digit code never rewrites a digit run inside some other value. `shapes`: extra patterns.
   */
  constructor(
    private readonly exact: ReadonlyMap<string, string> = new Map(),
    private readonly shapes: readonly VolatileShape[] = [],
  ) {}
  private placeholder(v: string, kind: string): string {
    let p = this.seen.get(v);
    if (p === undefined) {
      p = `<${kind}:${this.seen.size + 1}>`;
      this.seen.set(v, p);
    }
    return p;
  }
  text(s: string): string {
    let out = s.replace(ISO_DATE, "<date>");
    for (const { pattern, kind } of this.shapes) out = out.replace(pattern, (v) => this.placeholder(v, kind));
    return out.replace(VOLATILE, (v) =>
      this.placeholder(v, v.startsWith("eyJ") ? "jwt" : v.length === 32 ? "id" : v.length === 24 ? "token" : `v${v.length}`),
    );
  }
  value(v: unknown): unknown {
    if (typeof v === "string") {
      const kind = this.exact.get(v);
      return kind === undefined ? this.text(v) : this.placeholder(v, kind);
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x);
      return out;
    }
    return v;
  }
  /** A cookie pair or Set-Cookie line: decode the value, mark the signature, normalize the rest. */
  cookie(line: string): string {
    const [pair, ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    let value = pair.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      /* keep as sent */
    }
    const signed = SIGNATURE.test(value);
    const plain = signed ? value.replace(SIGNATURE, "") : value;
    // <sig> is a signature that checks (HMAC-SHA-256 of the value under SECRET), <bad-sig> one that does not.
    const mark = !signed ? "" : value.slice(plain.length + 1) === hmacBase64(plain) ? ".<sig>" : ".<bad-sig>";
    return [`${pair.slice(0, eq)}=${this.text(plain)}${mark}`, ...attrs].join(";");
  }
}

export function normalize(exchanges: Exchange[], exact?: ReadonlyMap<string, string>, shapes?: readonly VolatileShape[]): Exchange[] {
  const p = new Placeholders(exact, shapes);
  return exchanges.map((e) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.request.headers)) {
      headers[k] =
        k === "cookie"
          ? v
              .split("; ")
              .map((c) => p.cookie(c))
              .join("; ")
          : p.text(v);
    }
    const request = {
      method: e.request.method,
      path: p.text(e.request.path),
      headers,
      ...(e.request.body !== undefined ? { body: p.value(e.request.body) } : {}),
    };
    const response = {
      status: e.response.status,
      headers: p.value(e.response.headers) as Record<string, string>,
      cookies: e.response.cookies.map((c) => p.cookie(c)),
      body: p.value(e.response.body),
    };
    return {
      ...(e.id !== undefined ? { id: e.id } : {}),
      step: e.step,
      request,
      response,
      mails: e.mails.map((m) => p.value(m) as Mail),
      ...(e.otps !== undefined ? { otps: e.otps.map((o) => p.value(o) as SentOtp) } : {}),
    };
  });
}

/** The file's text: stable key order, two-space indent, trailing newline. */
export function transcriptText(sections: Section[]): string {
  return `${JSON.stringify({ betterAuth: "1.7.25", baseURL: BASE_URL, sections }, null, 2)}\n`;
}
