/**
 * The plugin API: everything a plugin (src/plugins/**, or an app's own) may use from the core, and
 * nothing else. The contracts are in types.ts (Plugin, Endpoint, EndpointContext, AuthContext, the
 * sign-in gate), the error type and tables in errors.ts, the store port in ../adapters/types.ts; this
 * module adds the helpers that are written only in terms of those contracts:
 *
 * - defineEndpoint: an endpoint whose `ctx.body` / `ctx.query` types come from its schemas;
 * - mergeOptions: the one option-merge rule (defaults overlaid key by key, as `auth.pluginOptions` does);
 * - listOptionKeys / assertKnownKeys: a plugin's option keys, complete by type, refused when unknown;
 * - removeRows: delete rows with their re-creation registered first (account deletion in core and plugins);
 * - passwordSignIn / signInAnswer: the password step and the answer shape every credential sign-in
 *   endpoint shares (email in the core; username and phone number in their plugins).
 *
 * Plugins import from here (or from types.ts / errors.ts directly); core internals (context.ts,
 * request-context.ts, routes/, init.ts) are not part of it, and test/auth/sign-in-gate.test.ts
 * ("plugins reach the core only through the plugin API") holds every file under src/plugins to that.
 */
import { UniqueConstraintError, type Row, type Where } from "../adapters/types.js";
import { APIError, BASE_ERROR_CODES } from "./errors.js";
import type { ChallengeBody, Endpoint, EndpointContext, InputSchema, PublicUser, SignInResult, User } from "./types.js";

export { APIError, BASE_ERROR_CODES, type BaseErrorCode } from "./errors.js";
export { assertKnownKeys, listOptionKeys } from "./option-keys.js";
export type * from "./types.js";

/**
 * An endpoint with typed input: `body` and `query` are read as literal schemas (no `as const` needed),
 * so in the handler `ctx.body.email` is a `string` and an optional field is `T | undefined`; the result
 * type is the handler's. Returns the definition unchanged (the types are all it adds).
 */
export function defineEndpoint<const B extends InputSchema = {}, const Q extends InputSchema = {}, R = unknown>(
  endpoint: Endpoint<B, Q, R>,
): Endpoint<B, Q, R> {
  return endpoint;
}

/**
 * A table of endpoints whose auth.api functions are typed: each entry keeps its literal schemas (enum
 * values included, no `as const` needed) and its handler's literal result (`{method: "otp"}` stays
 * `"otp"`, so a union of answers narrows on it), so a plugin declared as `Plugin<typeof table>` gives
 * auth.api each endpoint's body and result types, and an endpoint added to the table is typed with no
 * list to update. Handlers see the untyped `ctx.body` (`Record<string, unknown>`) unless written with
 * defineEndpoint. Returns the table unchanged.
 *
 * R is never named by callers: as a `const` type parameter in the handlers' return position it makes
 * TypeScript infer their results as literals (TypeScript 5.0 const type parameters), as it does for
 * the schemas through T.
 */
export function defineEndpoints<const T extends Record<string, Endpoint<InputSchema, InputSchema, R>>, const R>(table: T): T {
  return table;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * `defaults` overlaid with `over`: plain objects merge key by key at every depth, anything else
 * (functions, arrays, class instances) replaces; an `undefined` value leaves the default in place.
 * Neither input is modified. This is the rule behind `auth.pluginOptions(id, defaults)`.
 */
export function mergeOptions<T extends object>(defaults: T, over: unknown): T {
  if (!isPlainObject(over)) return { ...defaults };
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeOptions(out[k] as object, v) : v;
  }
  return out as T;
}

export interface PasswordSignInOptions {
  /** rememberMe from the body (default true). */
  rememberMe?: boolean;
  /** The endpoint's own "invalid credentials" error (401). */
  invalid: () => APIError;
}

/**
 * The password step of a credential sign-in, then ctx.signIn: constant work whether or not the user
 * exists (an unknown user costs one hash, as a wrong password does: no enumeration by timing), the
 * email-verification rule, then the sign-in gates. Check the password's length (passwords.assertLength)
 * before looking the user up.
 */
export async function passwordSignIn(
  ctx: EndpointContext,
  user: User | null,
  password: string,
  options: PasswordSignInOptions,
): Promise<SignInResult> {
  const auth = ctx.auth;
  if (user === null) {
    await auth.passwords.hash(password);
    throw options.invalid();
  }
  if (!(await auth.passwords.check(user.id, password))) throw options.invalid();
  if (auth.options.emailAndPassword?.requireEmailVerification && !user.emailVerified) {
    throw APIError.from(403, BASE_ERROR_CODES, "EMAIL_NOT_VERIFIED");
  }
  return ctx.signIn(user, { kind: "sign-in", dontRemember: options.rememberMe === false });
}

/** Better Auth's answer to a password sign-in that may redirect (email, username). */
export type SignInAnswer =
  | { redirect: false; token: string; user: PublicUser }
  | { redirect: true; token: string; url: string; user: PublicUser };

/**
 * The body of an email or username sign-in: a challenge's body as the gate gave it, else
 * `{redirect, token, url?, user}`. A callbackURL sets `Location` in both cases (Better Auth keeps the
 * header on a challenge too, T#94).
 */
export function signInAnswer(ctx: EndpointContext, result: SignInResult, callbackURL: string | undefined): SignInAnswer | ChallengeBody {
  if (callbackURL) ctx.response.headers.set("location", callbackURL);
  if ("challenge" in result) return result.challenge;
  const { session, user } = result.session;
  const publicUser = ctx.auth.publicUser(user);
  return callbackURL
    ? { redirect: true, token: session.token, url: callbackURL, user: publicUser }
    : { redirect: false, token: session.token, user: publicUser };
}

/** Delete every row matching `where`, re-created if the request fails later. Returns how many went. */
export async function removeRows(ctx: EndpointContext, model: string, where: readonly Where[]): Promise<number> {
  const store = ctx.auth.store;
  const rows = await store.findMany<Row>(model, where);
  if (rows.length === 0) return 0;
  ctx.onFailure(async () => {
    for (const row of rows) {
      try {
        await store.create(model, { ...row });
      } catch (e) {
        if (!(e instanceof UniqueConstraintError)) throw e; // still there, or already restored
      }
    }
  }, `restore the ${model} rows it deleted`);
  // By id: rows created after the read (a sign-in racing the deletion) are the caller's to handle.
  return store.deleteMany(model, [...where, { field: "id", operator: "in", value: rows.map((r) => r.id) }]);
}
