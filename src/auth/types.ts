/**
 * The contracts between the auth core, its plugins and its callers.
 * Plugins see only what is declared here; the core implements it in src/auth/.
 */
import type { Adapter, Row, Schema, Store } from "../adapters/types.js";
import type { CryptoPort } from "../crypto/port.js";
import type { APIError } from "./errors.js";
import type { CoreApi } from "./init.js";
import type { IpAddressOptions } from "./client-address.js";
import type { LimitsOptions } from "./limits.js";

/**
 * User fields that plugins add to the `user` model, declared by each plugin through declaration merging
 * (`declare module "../../auth/types.js" { interface PluginUserFields { twoFactorEnabled?: boolean } }`
 * in the plugin's index.ts), so `user.twoFactorEnabled` is typed wherever that plugin is part of the
 * program. Optional: a user read before the plugin was added has no such field.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface PluginUserFields {}

/** The core's user fields (Better Auth's `user` model). */
export interface CoreUser extends Row {
  name: string;
  email: string;
  emailVerified: boolean;
  image: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A user row: the core's fields and those of the plugins in the program. */
export type User = CoreUser & PluginUserFields;

export interface Session extends Row {
  token: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  ipAddress: string;
  userAgent: string;
}

/**
 * A user as responses carry it (auth.publicUser): the schema's fields minus `returned: false` ones and
 * unset values, then `id`.
 */
export type PublicUser = Pick<CoreUser, "id" | "name" | "email" | "emailVerified" | "createdAt" | "updatedAt"> & {
  image?: string;
} & { [K in keyof PluginUserFields]?: NonNullable<PluginUserFields[K]> };

/** A session as get-session answers it (auth.publicSession). */
export type PublicSession = Pick<Session, "id" | "token" | "userId" | "expiresAt" | "createdAt" | "updatedAt"> & {
  ipAddress?: string;
  userAgent?: string;
};

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
  plugins?: readonly Plugin[];
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
  /**
   * Core settings, plus each plugin's settings under its id (`advanced["two-factor"]`), typed for every
   * plugin that declares its options in PluginOptionsById. init() refuses an unknown key, naming the
   * nearest valid one.
   */
  advanced?: AdvancedOptions & PluginAdvancedOptions;
}

/** The core's `advanced` settings. */
export interface AdvancedOptions {
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
  /**
   * Start in production even though the secret is under 32 characters or low-entropy (Better Auth's
   * estimate). Default false: init refuses; outside production such a secret only gets a warning.
   */
  allowWeakSecret?: boolean;
  /** Longest string fields and deepest JSON bodies accepted (400 above). See LimitsOptions. */
  limits?: LimitsOptions;
  /**
   * Where the client's address comes from (rate-limit keys, session rows): the connection's peer,
   * unless `trustedProxies` says which proxies' forwarding headers to believe. Better Auth's option
   * names; see IpAddressOptions and docs/security.md. (The old top-level `advanced.ipAddressHeaders`
   * is refused at init with a pointer here.)
   */
  ipAddress?: IpAddressOptions;
}

/**
 * Plugin id -> the type of its `advanced[id]` block, filled by declaration merging in each plugin's
 * index.ts (`interface PluginOptionsById { "two-factor": TwoFactorOptions }`); an app's own plugin
 * declares its id the same way to use `advanced[id]`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface PluginOptionsById {}

export type PluginAdvancedOptions = { [Id in keyof PluginOptionsById]?: PluginOptionsById[Id] };

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

/** The value a validated field holds. */
export type FieldValue<R extends FieldRule> = R extends { type: "string" }
  ? string
  : R extends { type: "boolean" }
    ? boolean
    : R extends { type: "number" }
      ? number
      : R extends { type: "enum"; values: readonly (infer V)[] }
        ? V
        : never;

type Expand<T> = { [K in keyof T]: T[K] };

/** The literal (non-index-signature) keys of a schema. */
type KnownKeys<S> = Extract<keyof { [K in keyof S as string extends K ? never : number extends K ? never : K]: 0 }, keyof S>;

/**
 * The validated input an InputSchema yields: its required fields, then its optional ones. A schema
 * with no literal keys (typed only as `InputSchema`) gives `Record<string, unknown>`, so endpoints
 * written without `defineEndpoint` keep compiling as before; one with literal keys and an index
 * signature (sign-up: its own fields plus those plugins add) gives the typed fields and `unknown` for
 * the rest.
 */
export type InputOf<S> = S extends InputSchema
  ? [KnownKeys<S>] extends [never]
    ? Record<string, unknown>
    : Expand<
        { -readonly [K in KnownKeys<S> as S[K] extends { optional: true } ? never : K]: FieldValue<S[K]> } & {
          -readonly [K in KnownKeys<S> as S[K] extends { optional: true } ? K : never]?: FieldValue<S[K]>;
        }
      > &
        (string extends keyof S ? Record<string, unknown> : unknown)
  : Record<string, unknown>;

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

/** One credential sign-in (or sign-up) about to issue a session: what a sign-in gate decides on. */
export interface SignInAttempt {
  /** The user whose credentials were just verified (or who was just created). */
  user: User;
  kind: "sign-in" | "sign-up";
  /** rememberMe: false was asked: the session will be a browser-session one (one day in the store). */
  dontRemember: boolean;
}

/**
 * A gate's answer. `allow`: this gate lets the session be issued. `challenge`: no session; the value is
 * the response body (status 200), e.g. two-factor's `{twoFactorRedirect: true, twoFactorMethods}`.
 * `open`, on a challenge, runs after the core has withheld the session (its expiring session_token and
 * session_data lines are out): the writes that carry the challenge itself (its row, its cookie) go
 * there, so their Set-Cookie lines follow the withheld session's, in Better Auth's order.
 */
export type SignInGateAnswer = { allow: true } | { challenge: ChallengeBody; open?: () => Promise<void> };

/**
 * A challenge's response body: a JSON object the client inspects (two-factor: `twoFactorRedirect`).
 * It never has the `token` and `user` of an issued session (there is none), which is what tells the
 * two apart in a sign-in's result type.
 */
export type ChallengeBody = { [key: string]: unknown; token?: undefined; user?: undefined };

/** What ctx.signIn did: issued the session, or answered a gate's challenge and issued nothing. */
export type SignInResult = { session: SessionWithUser } | { challenge: ChallengeBody };

/**
 * Decides whether a verified credential may become a session (Plugin.signInGate). Runs between
 * "credentials verified" and "session issued" on every credential endpoint (email, username, phone
 * number; sign-up too). May read and write the store (registering undo steps with ctx.onFailure, as
 * every write does) and set cookies; must not issue a session itself.
 */
export type SignInGate = (ctx: EndpointContext, attempt: SignInAttempt) => Promise<SignInGateAnswer>;

export interface EndpointContext<Body = Record<string, unknown>, Query = Record<string, unknown>> {
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
  /** Validated body (unknown fields removed), typed from the endpoint's `body` schema (see defineEndpoint). */
  readonly body: Body;
  readonly query: Query;
  /** True for auth.api calls (no origin check, no rate limit). */
  readonly isServerCall: boolean;
  /** Response under construction. The handler's return value becomes `response.body` with status 200. */
  readonly response: ResponseState;
  /** Set by credential sign-in/sign-up handlers: the session they created, for after-hooks. */
  newSession: SessionWithUser | null;

  /** Whether the request carries a cookie by short name ("session_data"), signed or not. */
  hasCookie(name: string): boolean;
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
  /**
   * The one step between "credentials verified" and "session issued", for every credential endpoint:
   * runs each plugin's signInGate in plugin order; if all allow, issues the session (issueSession) and
   * returns `{session}`; at the first challenge it issues nothing (no session row is created), ends any
   * session cookie the client holds, and returns `{challenge}` (the response body).
   * Set-Cookie order, as Better Auth's after-hook leaves it: allowed, the session's lines first, then
   * the gates' (a rotated trust_device); challenged, dont_remember (with rememberMe:false), the gates'
   * lines (an expired trust_device), expired session_token and session_data, then the challenge's own.
   */
  signIn(user: User, attempt: { kind: SignInAttempt["kind"]; dontRemember: boolean }): Promise<SignInResult>;
  /** Create a session for the user and set its cookies (honours dont_remember). The one place sessions are issued. */
  issueSession(user: User, options?: { dontRemember?: boolean }): Promise<SessionWithUser>;
  /** Replace the current session by a fresh one (delete old row, new cookie). Returns the new one. */
  rotateSession(current: SessionWithUser): Promise<SessionWithUser>;
  /** Expire session_token, session_data and dont_remember. */
  clearSessionCookies(): void;
  /**
   * Re-send session_token for an existing session row (after a change that Better Auth answers with a
   * fresh cookie, e.g. an email change); `dontRemember` defaults to the request's own dont_remember cookie.
   */
  setSessionCookie(session: Session, dontRemember?: boolean): Promise<void>;
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

  // ---- After the request (security events, kernia/plugins/two-factor events.ts) ----
  /**
   * The client's address as the core resolved it for this request (client-address.ts: the peer, or a
   * forwarded address only from trusted proxies, IPv6 cut to ipv6Subnet), or null when there is none
   * or disableIpTracking is set. The same value the rate limiter keys on and session rows record.
   */
  readonly clientAddress: string | null;
  /**
   * Run `task` once this request is settled: after the handler, the after-hooks and any rollback
   * (onFailure steps), just before the response leaves the pipeline. `failed` is true when the request
   * ended with an error (so every registered compensation ran): a task reporting a write that a
   * rollback undoes should then do nothing. Tasks run once, in order, synchronously; each must be
   * quick and defer real work (setImmediate). A task that throws is logged (its error name only) and
   * the others still run; it never changes the response.
   */
  afterSettled(task: (outcome: { failed: boolean }) => void): void;
}

/**
 * An endpoint. The type parameters are the body and query schemas and the handler's result; written
 * through defineEndpoint they are inferred, so `ctx.body` is typed from `body` and auth.api knows the
 * input and result. Written as a plain object (no defineEndpoint) they default to the untyped forms.
 */
export interface Endpoint<B extends InputSchema = InputSchema, Q extends InputSchema = InputSchema, R = unknown> {
  method: "GET" | "POST";
  /** Path under basePath. Absent: server-only (reachable through auth.api only). */
  path?: string;
  body?: B;
  query?: Q;
  /** Also accept application/x-www-form-urlencoded (Better Auth does for sign-in/up email). */
  allowFormBody?: boolean;
  /**
   * Apply the fetch-metadata login-CSRF guard of wire spec section 6 step (3) even without cookies
   * (Better Auth's formCsrfMiddleware on /sign-in/email and /sign-up/email).
   */
  loginCsrfGuard?: boolean;
  // A method (not a function-typed property) so that a typed endpoint is still an `Endpoint`: method
  // parameters are compared bivariantly, and the pipeline hands each handler the body its own schema made.
  handler(ctx: EndpointContext<InputOf<B>, InputOf<Q>>): Promise<R>;
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

/** Any endpoint, whatever its schemas and result (what a plugin's endpoint table holds). */
// biome-ignore lint/suspicious/noExplicitAny: the table's element type, each entry keeps its own
export type AnyEndpoint = Endpoint<any, any, any>;

/** E: the endpoint table's type, so auth.api can give each endpoint its input and result types. */
export interface Plugin<E extends Record<string, AnyEndpoint> = Record<string, AnyEndpoint>> {
  id: string;
  /** New models, or extra fields on existing ones (merged by model name). */
  schema?: Schema;
  /** API name -> endpoint, e.g. { enableTwoFactor: {...} }. */
  endpoints?: E;
  hooks?: { before?: Hook[]; after?: Hook[] };
  rateLimit?: RateLimitRule[];
  /**
   * Errors for unique-constraint violations on this plugin's fields when the core creates a row
   * (key "model.field", e.g. "user.username"): the race-safe twin of a before-hook's existence check.
   */
  uniqueErrors?: Record<string, () => APIError>;
  /** Called once when init() builds the context. */
  init?(auth: AuthContext): void;
  /** Decides, for every credential sign-in and sign-up, whether the session is issued (see SignInGate). */
  signInGate?: SignInGate;
  /**
   * The keys this plugin's `advanced[id]` block may have (top level). When given, init() refuses any
   * other key, naming the nearest valid one, so a misspelt option fails loudly instead of being ignored.
   */
  optionKeys?: readonly string[];
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
  /** The signing secret first, then options.previousSecrets: every secret a stored value may have been made with. */
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
  /** Plugin settings: plugin defaults overlaid with advanced[id]. */
  /**
   * emailAndPassword.minPasswordLength / maxPasswordLength with defaults (8, 128): the configured
   * limits. The rule that applies them is passwords.assertLength.
   */
  readonly passwordLength: { readonly min: number; readonly max: number };
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
    /**
     * The password-length rule (emailAndPassword.minPasswordLength / maxPasswordLength, default 8 and
     * 128): throws 400 PASSWORD_TOO_SHORT (a new password only) or PASSWORD_TOO_LONG. Checked before
     * any lookup, so an over-long password never costs a hash.
     */
    assertLength(password: string, use: "new" | "existing"): void;
    hash(password: string): Promise<string>;
    verify(stored: string, password: string): Promise<boolean>;
    /** The user's credential password matches (false when the user has none). */
    check(userId: string, password: string): Promise<boolean>;
  };
  /** The user as sent to clients: schema fields with returned:false removed, image only when set. */
  publicUser(user: User): PublicUser;
  publicSession(session: Session): PublicSession;
}

export type ApiInput = {
  body?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: HeadersInit;
  /** Return the Response instead of the body. */
  asResponse?: boolean;
};

/** Server-side calls: resolve to the JSON body, reject with APIError on a non-2xx. */
// biome-ignore lint/suspicious/noExplicitAny: the untyped form, for endpoints declared without types
export type ApiFunction = (input?: ApiInput) => Promise<any>;

/** `{body}` for an endpoint with required body fields, `{body?}` when every field is optional. */
type BodyArg<B> = {} extends InputOf<B> ? { body?: InputOf<B> } : { body: InputOf<B> };
type QueryArg<Q> = {} extends InputOf<Q> ? { query?: InputOf<Q> } : { query: InputOf<Q> };

/** The input of one auth.api call, from the endpoint's schemas. */
export type ApiInputOf<E> =
  E extends Endpoint<infer B, infer Q, infer _R> ? BodyArg<B> & QueryArg<Q> & { headers?: HeadersInit } : ApiInput;

/**
 * One auth.api function: resolves to the handler's result (the JSON body, with Date objects as Dates),
 * or with `asResponse: true` to the Response; rejects with APIError on a 4xx/5xx answer and with the
 * original error on an unexpected one.
 */
export interface ApiCall<E> {
  (input: ApiInputOf<E> & { asResponse: true }): Promise<Response>;
  (
    ...input: {} extends ApiInputOf<E> ? [input?: ApiInputOf<E> & { asResponse?: false }] : [input: ApiInputOf<E> & { asResponse?: false }]
  ): Promise<E extends Endpoint<infer _B, infer _Q, infer R> ? Awaited<R> : unknown>;
}

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** auth.api for a list of plugins: each plugin's endpoints, typed as its endpoint table declares them. */
// biome-ignore lint/suspicious/noExplicitAny: a plugin with any endpoint table (its endpoint types are inferred)
export type PluginsApi<P extends readonly Plugin<any>[]> = UnionToIntersection<
  { [I in keyof P]: P[I] extends Plugin<infer E> ? { [K in keyof E]: ApiCall<E[K]> } : never }[number]
>;

/** What the caller of auth.handler knows about the connection a Fetch Request came in on. */
export interface HandlerInfo {
  /**
   * The peer's IP address (Bun: server.requestIP(req)?.address; Deno: info.remoteAddr.hostname).
   * Without it (and without advanced.ipAddress.trustedProxies) the request has no client address: the
   * rate limiter does not apply to it and its session row records "".
   */
  remoteAddress?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a plugin with any endpoint table (its endpoint types are inferred)
export interface Kernia<P extends readonly Plugin<any>[] = readonly Plugin[]> {
  handler(request: Request, info?: HandlerInfo): Promise<Response>;
  api: CoreApi & PluginsApi<P>;
  options: KerniaOptions;
  /** Resolved context (store, crypto, schema...). */
  context: AuthContext;
}
