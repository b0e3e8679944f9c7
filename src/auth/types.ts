/**
 * The contracts between the auth core, its plugins and its callers.
 * Plugins see only what is declared here; the core implements it in src/auth/.
 */
import type { Adapter, Row, Schema, Store } from "../adapters/types.js";
import type { CryptoPort } from "../crypto/port.js";
import type { APIError } from "./errors.js";

export interface User extends Row {
  name: string;
  email: string;
  emailVerified: boolean;
  image: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Session extends Row {
  token: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  ipAddress: string;
  userAgent: string;
}

export interface SessionWithUser {
  session: Session;
  user: User;
}

export interface RateLimitRule {
  /** Path relative to basePath, e.g. "/two-factor/verify-totp". */
  matches(path: string): boolean;
  window: number; // seconds
  max: number;
}

export interface KerniaOptions {
  /** Storage adapter. Default: memoryAdapter() (one process only). */
  database?: Adapter;
  /**
   * Signs cookies and derives encryption keys. Default: env KERNIA_SECRET, then BETTER_AUTH_SECRET, then
   * AUTH_SECRET; required in production (init throws), a fixed development secret with a warning otherwise.
   */
  secret?: string;
  /**
   * Retired secrets, newest first, for key rotation: still accepted when reading (cookie signatures, and
   * the two-factor plugin's stored secrets, hashes and device MACs), never used to write (`secret` always
   * signs and encrypts). Each must be a non-empty string different from `secret`; production refuses the
   * public defaults here too. Default: none.
   */
  previousSecrets?: string[];
  /** Public origin (and optional path) of the server, e.g. "https://example.com". Its origin is trusted. */
  baseURL?: string;
  /** Default "/api/auth". */
  basePath?: string;
  /** Used as the TOTP issuer when none is configured. Default "Kernia". */
  appName?: string;
  plugins?: Plugin[];
  trustedOrigins?: string[] | ((request: Request | undefined) => string[] | Promise<string[]>);
  rateLimit?: {
    /** Default: on when NODE_ENV=production. */
    enabled?: boolean;
    window?: number; // default 10 s
    max?: number; // default 100
    /** Path prefix -> rule, or false to exempt. Checked before the built-in rules. */
    customRules?: Record<string, { window: number; max: number } | false>;
  };
  emailAndPassword?: {
    enabled?: boolean; // default true
    disableSignUp?: boolean;
    minPasswordLength?: number; // default 8
    maxPasswordLength?: number; // default 128
    requireEmailVerification?: boolean;
    autoSignIn?: boolean; // default true
  } & PasswordResetOptions;
  session?: {
    expiresIn?: number; // seconds, default 604800
    updateAge?: number; // seconds, default 86400
    /** Seconds a session counts as fresh (list-sessions, delete-user without password). Default 86400; 0: always fresh. */
    freshAge?: number;
  };
  emailVerification?: EmailVerificationOptions;
  user?: UserLifecycleOptions;
  advanced?: {
    useSecureCookies?: boolean;
    cookiePrefix?: string; // default "better-auth" (the client does not care; other Better Auth servers might)
    disableCSRFCheck?: boolean;
    disableOriginCheck?: boolean;
    /** Crypto implementation. Default: kernia/crypto (WASM). */
    crypto?: CryptoPort;
    /** Clock in unix ms. Default Date.now. Tests inject a fixed clock. */
    now?: () => number;
    /** Largest accepted request body in bytes (413 above). Default 1 MiB. */
    maxBodySize?: number;
    /** Headers that carry the client IP, first entry wins. Default ["x-forwarded-for"]. */
    ipAddressHeaders?: string[];
    /** Plugin settings by plugin id, e.g. advanced["two-factor"]. */
    [pluginId: string]: unknown;
  };
}

// ---- Account lifecycle options (docs/account.md; defaults resolved in routes/account/options.ts) ----

/** What a mail callback gets: the user, the link to send and the bare token in it. */
export interface AccountMail {
  user: User;
  url: string;
  token: string;
}

export interface PasswordResetOptions {
  /** Sends the reset link ({baseURL}/reset-password/{token}?callbackURL=...). Without it the reset endpoints answer 400 RESET_PASSWORD_DISABLED. */
  sendResetPassword?: (data: AccountMail, request?: Request) => unknown;
  /** Seconds a reset token lives. Default 3600. */
  resetPasswordTokenExpiresIn?: number;
  /**
   * A reset revokes every session, trusted device and pending two-factor challenge of the user. Default
   * true (Better Auth: false, and it never touches trusted devices or challenges).
   */
  revokeSessionsOnPasswordReset?: boolean;
  onPasswordReset?: (data: { user: User }, request?: Request) => unknown;
}

export interface EmailVerificationOptions {
  /** Sends the verification link ({baseURL}/verify-email?token=...&callbackURL=...). */
  sendVerificationEmail?: (data: AccountMail, request?: Request) => unknown;
  /** Send on sign-up. Default: emailAndPassword.requireEmailVerification. */
  sendOnSignUp?: boolean;
  /** Verifying signs the person in (never past two-factor: a user with it on gets no session). */
  autoSignInAfterVerification?: boolean;
  /** Seconds a verification token lives. Default 3600. */
  expiresIn?: number;
  afterEmailVerification?: (user: User, request?: Request) => unknown;
}

export interface UserLifecycleOptions {
  changeEmail?: {
    enabled?: boolean;
    /** An unverified user's email changes at once (then a verification mail goes to the new address). */
    updateEmailWithoutVerification?: boolean;
  };
  deleteUser?: {
    enabled?: boolean;
    /** Mails a confirmation link ({baseURL}/delete-user/callback?token=...) instead of deleting at once. */
    sendDeleteAccountVerification?: (data: AccountMail, request?: Request) => unknown;
    /** Seconds a delete token lives. Default 86400. */
    deleteTokenExpiresIn?: number;
    beforeDelete?: (user: User, request?: Request) => unknown;
    afterDelete?: (user: User, request?: Request) => unknown;
  };
}

/** Body/query validation rules. Unknown fields are dropped; messages follow Better Auth's zod wording. */
export type FieldRule =
  | { type: "string"; optional?: boolean; email?: boolean; minLength?: number; maxLength?: number }
  | { type: "boolean"; optional?: boolean }
  | { type: "number"; optional?: boolean }
  | { type: "enum"; values: readonly string[]; optional?: boolean };
export type InputSchema = Record<string, FieldRule>;

export interface SetCookie {
  /** Full wire name, e.g. "__Secure-better-auth.session_token". */
  name: string;
  /** Wire value, already signed and encoded. "" for an expiring cookie. */
  value: string;
  maxAge?: number; // undefined: browser-session cookie; 0: expire
}

/** The response being built. Hooks may change any part of it. */
export interface ResponseState {
  status: number;
  /** JSON body; undefined gives an empty body. */
  body: unknown;
  headers: Headers;
  /** Set-Cookie lines in wire order; at most one per name (setting a name again moves it to the end). */
  cookies: SetCookie[];
}

export interface EndpointContext {
  readonly auth: AuthContext;
  /**
   * The incoming request; for auth.api calls, a synthetic one carrying the caller's headers. Through
   * auth.handler it is the caller's own Request (its body already read); through kernia/express and
   * auth.api it is built on first access (same method, URL, headers and body bytes), so reading it
   * costs a Request construction: prefer ctx.headers, ctx.body and ctx.query.
   */
  readonly request: Request;
  /** Path relative to basePath, e.g. "/sign-in/email". */
  readonly path: string;
  readonly method: string;
  readonly headers: Headers;
  /** Validated body (unknown fields removed). */
  readonly body: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  /** True for auth.api calls (no origin check, no rate limit). */
  readonly isServerCall: boolean;
  /** Response under construction. The handler's return value becomes `response.body` with status 200. */
  readonly response: ResponseState;
  /** Set by credential sign-in/sign-up handlers: the session they created, for after-hooks. */
  newSession: SessionWithUser | null;

  /** A cookie's verified value by short name ("two_factor"), or null if absent or its signature is bad. */
  getSignedCookie(name: string): Promise<string | null>;
  /** Set a signed cookie by short name. maxAge undefined: browser-session cookie. */
  setSignedCookie(name: string, value: string, maxAge?: number): Promise<void>;
  /** Expire a cookie by short name (Max-Age=0), removing any earlier line for it from this response. */
  expireCookie(name: string): void;
  /**
   * The valid session from the session cookie (cached for the request), or null. Never refreshes.
   * A correctly signed cookie whose session is missing or expired also expires the session cookies in
   * this response (wire spec 4.1 / T#114), as Better Auth's getSessionFromCtx does.
   */
  getSession(): Promise<SessionWithUser | null>;
  /** getSession() or throw 401 UNAUTHORIZED. */
  requireSession(): Promise<SessionWithUser>;
  /** Create a session for the user and set its cookies (honours dont_remember). The one place sessions are issued. */
  issueSession(user: User, options?: { dontRemember?: boolean }): Promise<SessionWithUser>;
  /** Replace the current session by a fresh one (delete old row, new cookie). Returns the new one. */
  rotateSession(current: SessionWithUser): Promise<SessionWithUser>;
  /** Expire session_token, session_data and dont_remember. */
  clearSessionCookies(): void;
  /**
   * Register a compensating step for a write this request is about to make. If the request ends with an
   * error (anything thrown by a before-hook, the handler or an after-hook, APIError or not), the
   * registered steps run once, in reverse order, before the error response is built; a successful
   * request runs none. Best effort: a step that throws is logged (its label and error name only, never
   * the error text, which may quote stored values) and the others still run.
   *
   * Register BEFORE the write, and make the step idempotent and specific to this request's write
   * (delete by the id this request generated, restore under a guard on the value this request set):
   * a store can apply a write and still report an error (reply lost), and "an error means nothing
   * happened" does not hold. `what` names the step in the log.
   */
  onFailure(undo: () => Promise<unknown>, what?: string): void;
}

export type EndpointHandler = (ctx: EndpointContext) => Promise<unknown>;

export interface Endpoint {
  method: "GET" | "POST";
  /** Path under basePath. Absent: server-only (reachable through auth.api only). */
  path?: string;
  body?: InputSchema;
  query?: InputSchema;
  /** Also accept application/x-www-form-urlencoded (Better Auth does for sign-in/up email). */
  allowFormBody?: boolean;
  /**
   * Apply the fetch-metadata login-CSRF guard of wire spec section 6 step (3) even without cookies
   * (Better Auth's formCsrfMiddleware on /sign-in/email and /sign-up/email).
   */
  loginCsrfGuard?: boolean;
  handler: EndpointHandler;
}

export interface Hook {
  matches(ctx: EndpointContext): boolean;
  /**
   * before: runs after validation, before the handler; may throw APIError, or return true to skip the
   * handler (the response as left in ctx.response is sent).
   * after: runs after the handler (also when it threw an APIError: ctx.response then holds the error);
   * may change ctx.response freely.
   */
  handler(ctx: EndpointContext): Promise<void | boolean>;
}

export interface Plugin {
  id: string;
  /** New models, or extra fields on existing ones (merged by model name). */
  schema?: Schema;
  /** API name -> endpoint, e.g. { enableTwoFactor: {...} }. */
  endpoints?: Record<string, Endpoint>;
  hooks?: { before?: Hook[]; after?: Hook[] };
  rateLimit?: RateLimitRule[];
  /**
   * Errors for unique-constraint violations on this plugin's fields when the core creates a row
   * (key "model.field", e.g. "user.username"): the race-safe twin of a before-hook's existence check.
   */
  uniqueErrors?: Record<string, () => APIError>;
  /** Called once when init() builds the context. */
  init?(auth: AuthContext): void;
  /**
   * Account lifecycle: revoke what this plugin grants a user beyond a session (trusted devices, pending
   * sign-in challenges) after a password reset or a password change that signs other devices out.
   * `keepCurrentDevice`: spare what belongs to the browser making this request. Register undo steps
   * (ctx.onFailure) before writes that must be undone; revocations may stay applied.
   */
  revokeUserGrants?(ctx: EndpointContext, userId: string, options: { keepCurrentDevice?: boolean }): Promise<void>;
  /** Account deletion: remove every row this plugin keeps for the user, undoably (ctx.onFailure before each write). */
  deleteUserData?(ctx: EndpointContext, userId: string): Promise<void>;
}

export interface AuthContext {
  readonly options: KerniaOptions;
  readonly appName: string;
  readonly baseURL: string;
  readonly basePath: string;
  readonly secret: string;
  /** `secret` first, then options.previousSecrets: every secret a stored value may have been made with. */
  readonly secrets: readonly string[];
  readonly store: Store;
  readonly schema: Schema;
  readonly crypto: CryptoPort;
  readonly plugins: readonly Plugin[];
  /** Unix ms. */
  now(): number;
  /** 32 chars of [A-Za-z0-9], for ids and session tokens. */
  generateId(): string;
  randomString(length: number, alphabet: string): string;
  /** Full cookie name for a short name, with prefix and __Secure- as configured. */
  cookieName(name: string): string;
  /** HMAC-SHA-256 under the secret, through the crypto port. */
  hmacSecret(data: string): Uint8Array;
  /** HMAC-SHA-256 under each of `secrets` (current first, so [0] is hmacSecret): for checking a MAC made before a rotation. */
  readonly hmacSecrets: readonly ((data: string) => Uint8Array)[];
  /** emailAndPassword.minPasswordLength / maxPasswordLength with defaults (8, 128). */
  readonly passwordLength: { readonly min: number; readonly max: number };
  /** Plugin settings: plugin defaults overlaid with advanced[id]. */
  pluginOptions<T extends object>(id: string, defaults: T): T;

  users: {
    findById(id: string): Promise<User | null>;
    findByEmail(email: string): Promise<User | null>;
    update(id: string, data: Partial<User>): Promise<User | null>;
  };
  sessions: {
    find(token: string): Promise<SessionWithUser | null>;
    delete(token: string): Promise<void>;
    deleteForUser(userId: string): Promise<void>;
  };
  passwords: {
    hash(password: string): Promise<string>;
    verify(stored: string, password: string): Promise<boolean>;
    /** The user's credential password matches (false when the user has none). */
    check(userId: string, password: string): Promise<boolean>;
  };
  /** The user as sent to clients: schema fields with returned:false removed, image only when set. */
  publicUser(user: User): Record<string, unknown>;
  publicSession(session: Session): Record<string, unknown>;
}

export type ApiInput = {
  body?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: HeadersInit;
  /** Return the Response instead of the body. */
  asResponse?: boolean;
};

/** Server-side calls: resolve to the JSON body, reject with APIError on a non-2xx. */
export type ApiFunction = (input?: ApiInput) => Promise<any>;

export interface Kernia {
  handler(request: Request): Promise<Response>;
  api: Record<string, ApiFunction>;
  options: KerniaOptions;
  /** Resolved context (store, crypto, schema...). */
  context: AuthContext;
}
