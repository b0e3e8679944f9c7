/**
 * The per-request EndpointContext: the response under construction, signed cookies, and the one place
 * where sessions are issued, rotated and cleared (one home each, so no endpoint writes its own).
 */
import { type CoreContext, isLive } from "./context.js";
import { parseCookieHeader, signCookieValue, verifyCookieValue } from "./cookies.js";
import { APIError, BASE_ERROR_CODES } from "./errors.js";
import type { EndpointContext, ResponseState, Session, SessionWithUser, SetCookie, SignInAttempt, SignInResult, User } from "./types.js";

const DONT_REMEMBER_SECONDS = 86400; // Better Auth: a "don't remember" session row lives one day

interface Compensation {
  undo: () => Promise<unknown>;
  what: string;
}

/** An error's class name only: store errors can quote stored values (a duplicate key, a token). */
function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

/**
 * The request as the pipeline sees it: method, absolute URL, headers and the body bytes once read.
 * A Fetch Request costs tens of microseconds to build (AbortSignal, body stream), so the HTTP adapters
 * and auth.api pass these parts, and `request` is made only when something reads it (a trustedOrigins
 * function, a plugin reading ctx.request). The one it builds carries the same method, URL, headers
 * and body bytes.
 */
export class RequestSource {
  private built: Request | undefined;
  /** Body bytes, when already read (set by the pipeline after reading); a built Request gets a copy. */
  bodyBytes: Uint8Array | null = null;
  /** The client's address key as resolved for this request (client-address.ts), or null. */
  clientAddress: string | null = null;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Headers,
    original?: Request,
  ) {
    this.built = original;
  }

  get request(): Request {
    this.built ??= new Request(this.url, {
      method: this.method,
      headers: this.headers,
      body: this.bodyBytes === null || this.method === "GET" || this.method === "HEAD" ? undefined : this.bodyBytes.slice(),
    });
    return this.built;
  }
}

export class RequestContext implements EndpointContext {
  readonly response: ResponseState = { status: 200, body: undefined, headers: new Headers(), cookies: [] };
  newSession: SessionWithUser | null = null;
  body: Record<string, unknown> = {};
  query: Record<string, unknown> = {};
  readonly headers: Headers;
  private cookies: Map<string, string> | null = null;
  private session: Promise<SessionWithUser | null> | null = null;
  private readonly compensations: Compensation[] = [];
  private readonly settledTasks: ((outcome: { failed: boolean }) => void)[] = [];
  private failed = false;

  constructor(
    readonly auth: CoreContext,
    readonly source: RequestSource,
    readonly path: string,
    readonly method: string,
    readonly isServerCall: boolean,
  ) {
    this.headers = source.headers;
  }

  /** The Fetch Request, built on first access (the node:http path and auth.api never need one). */
  get request(): Request {
    return this.source.request;
  }

  private requestCookies(): Map<string, string> {
    this.cookies ??= parseCookieHeader(this.headers.get("cookie"));
    return this.cookies;
  }

  hasCookie(name: string): boolean {
    return this.requestCookies().has(this.auth.cookieName(name));
  }

  async getSignedCookie(name: string): Promise<string | null> {
    const raw = this.requestCookies().get(this.auth.cookieName(name));
    if (!raw) return null;
    return verifyCookieValue(raw, this.auth.hmacSecrets, (a, b) => this.auth.crypto.timingSafeEqual(a, b));
  }

  /** Append a Set-Cookie line, dropping any earlier line for the same name (wire spec 2.1). */
  private putCookie(cookie: SetCookie): void {
    const list = this.response.cookies;
    for (let i = list.length - 1; i >= 0; i--) if (list[i].name === cookie.name) list.splice(i, 1);
    list.push(cookie);
  }

  async setSignedCookie(name: string, value: string, maxAge?: number): Promise<void> {
    this.putCookie({ name: this.auth.cookieName(name), value: signCookieValue(value, this.auth.hmacSecret), maxAge });
  }

  expireCookie(name: string): void {
    this.putCookie({ name: this.auth.cookieName(name), value: "", maxAge: 0 });
  }

  getSession(): Promise<SessionWithUser | null> {
    this.session ??= this.loadSession();
    return this.session;
  }

  private async loadSession(): Promise<SessionWithUser | null> {
    const token = await this.getSignedCookie("session_token");
    if (token === null) return null;
    const row = await this.auth.findSessionRow(token);
    if (row !== null && isLive(row, this.auth.now())) return { session: row.session, user: row.user };
    // A well-signed cookie for a dead session: forget it on the client, and in the store if a row is left.
    this.clearSessionCookies();
    if (row !== null) await this.auth.sessions.delete(token);
    return null;
  }

  async requireSession(): Promise<SessionWithUser> {
    const s = await this.getSession();
    if (s === null) throw APIError.from(401, BASE_ERROR_CODES, "UNAUTHORIZED");
    return s;
  }

  /**
   * Set session_token (and dont_remember as it applies) for an existing session row; `dontRemember`
   * defaults to what the request's own dont_remember cookie says (core routes that re-send the cookie).
   */
  async setSessionCookie(session: Session, dontRemember?: boolean): Promise<void> {
    dontRemember ??= (await this.getSignedCookie("dont_remember")) !== null;
    await this.setSignedCookie("session_token", session.token, dontRemember ? undefined : this.auth.settings.expiresIn);
    await this.setRememberCookie(dontRemember);
  }

  /** dont_remember as the choice says: set for "don't remember", expired when a stale one was sent. */
  private async setRememberCookie(dontRemember: boolean): Promise<void> {
    if (dontRemember) await this.setSignedCookie("dont_remember", "true");
    else if ((await this.getSignedCookie("dont_remember")) !== null) this.expireCookie("dont_remember");
  }

  async signIn(user: User, options: { kind: SignInAttempt["kind"]; dontRemember: boolean }): Promise<SignInResult> {
    const attempt: SignInAttempt = { user, kind: options.kind, dontRemember: options.dontRemember };
    const cookies = this.response.cookies;
    const earlier = new Set(cookies);
    // The remember-me line goes first (Better Auth's handler set it before its after-hook ran); if the
    // request fails, it goes again, so an error answer carries no cookie of a sign-in that did not happen.
    const rememberName = this.auth.cookieName("dont_remember");
    const rememberBefore = cookies.filter((c) => c.name === rememberName);
    this.onFailure(async () => {
      const kept = cookies.filter((c) => c.name !== rememberName);
      cookies.splice(0, cookies.length, ...kept, ...rememberBefore);
    }, "withdraw the remember-me cookie it set");
    await this.setRememberCookie(attempt.dontRemember);

    for (const plugin of this.auth.plugins) {
      if (plugin.signInGate === undefined) continue;
      const answer = await plugin.signInGate(this, attempt);
      if ("challenge" in answer) {
        // No session: end whatever session cookie the client holds, as Better Auth's gate does.
        this.expireCookie("session_token");
        this.expireCookie("session_data");
        await answer.open?.();
        return { challenge: answer.challenge };
      }
    }

    const issued = await this.issueSession(user, { dontRemember: attempt.dontRemember });
    // The session's lines (session_token, dont_remember) before any line a gate set meanwhile.
    const sessionNames = new Set([this.auth.cookieName("session_token"), rememberName]);
    const before = cookies.filter((c) => earlier.has(c));
    const added = cookies.filter((c) => !earlier.has(c));
    const ordered = [...before, ...added.filter((c) => sessionNames.has(c.name)), ...added.filter((c) => !sessionNames.has(c.name))];
    cookies.splice(0, cookies.length, ...ordered);
    return { session: issued };
  }

  get clientAddress(): string | null {
    return this.source.clientAddress;
  }

  afterSettled(task: (outcome: { failed: boolean }) => void): void {
    this.settledTasks.push(task);
  }

  /** Run (and forget) the afterSettled tasks. Called by the pipeline once, when the request is settled. */
  settle(): void {
    const outcome = { failed: this.failed };
    for (const task of this.settledTasks.splice(0)) {
      try {
        task(outcome);
      } catch (e) {
        console.error(`kernia: ${this.path}: an after-request task failed (${errorName(e)})`);
      }
    }
  }

  onFailure(undo: () => Promise<unknown>, what = "compensating step"): void {
    this.compensations.push({ undo, what });
  }

  /**
   * Run (and forget) every registered compensation, newest first. Called by the pipeline when the
   * request ends with an error; steps registered afterwards (by after-hooks) run on a later call.
   */
  async rollback(): Promise<void> {
    this.failed = true;
    for (let c = this.compensations.pop(); c !== undefined; c = this.compensations.pop()) {
      try {
        await c.undo();
      } catch (e) {
        console.error(`kernia: ${this.path}: could not ${c.what} after a failed request (${errorName(e)})`);
      }
    }
  }

  async issueSession(user: User, options: { dontRemember?: boolean } = {}): Promise<SessionWithUser> {
    const dr = options.dontRemember ?? (await this.getSignedCookie("dont_remember")) !== null;
    const now = this.auth.now();
    const lifetime = dr ? DONT_REMEMBER_SECONDS : this.auth.settings.expiresIn;
    const id = this.auth.generateId();
    // Registered before the write: a create whose reply was lost may still have stored the row. A failed
    // request must not leave a session behind whose cookie it never delivered (nor, for a challenged
    // sign-in, one without a passed second factor); its Set-Cookie lines go back to what they were.
    const names = new Set([this.auth.cookieName("session_token"), this.auth.cookieName("dont_remember")]);
    const linesBefore = this.response.cookies.filter((c) => names.has(c.name));
    const cachedBefore = this.session;
    this.onFailure(async () => {
      const kept = this.response.cookies.filter((c) => !names.has(c.name));
      this.response.cookies.splice(0, this.response.cookies.length, ...kept, ...linesBefore);
      if (this.newSession?.session.id === id) this.newSession = null;
      this.session = cachedBefore;
      await this.auth.store.deleteMany("session", [{ field: "id", value: id }]);
    }, "delete the session it issued");
    const session = await this.auth.store.create<Session>("session", {
      id,
      token: this.auth.generateId(),
      userId: user.id,
      expiresAt: new Date(now + lifetime * 1000),
      createdAt: new Date(now),
      updatedAt: new Date(now),
      ipAddress: this.source.clientAddress ?? "",
      userAgent: (this.headers.get("user-agent") ?? "").slice(0, 512),
    });
    await this.setSessionCookie(session, dr);
    const result = { session, user };
    this.newSession = result;
    return result;
  }

  async rotateSession(current: SessionWithUser): Promise<SessionWithUser> {
    // New session first: a failure in between leaves the old one valid rather than none at all (and the
    // new one is deleted by issueSession's compensation, so the request leaves no undelivered session).
    const fresh = await this.issueSession(current.user);
    await this.auth.sessions.delete(current.session.token);
    this.session = Promise.resolve(fresh);
    return fresh;
  }

  clearSessionCookies(): void {
    this.expireCookie("session_token");
    this.expireCookie("session_data");
    this.expireCookie("dont_remember");
  }
}
