/** POST /sign-in/email (wire spec 5.2). */
import type { CoreContext } from "../context.js";
import { APIError, BASE_ERROR_CODES } from "../errors.js";
import type { Endpoint, EndpointContext, User } from "../types.js";
import { isEmail } from "../validate.js";

/**
 * The password gate every credential sign-in shares (email here; username and phone number in their
 * plugins): constant work whether or not the user exists, then one session through issueSession.
 * `fail` is the endpoint's own "invalid credentials" error.
 */
export async function passwordSignIn(
  ctx: EndpointContext,
  user: User | null,
  password: string,
  rememberMe: boolean | undefined,
  fail: () => APIError,
) {
  const auth = ctx.auth;
  if (user === null) {
    await auth.passwords.hash(password); // same cost as a real check: no user enumeration by timing
    throw fail();
  }
  if (!(await auth.passwords.check(user.id, password))) throw fail();
  if (auth.options.emailAndPassword?.requireEmailVerification && !user.emailVerified) {
    throw APIError.from(403, BASE_ERROR_CODES, "EMAIL_NOT_VERIFIED");
  }
  return ctx.issueSession(user, { dontRemember: rememberMe === false });
}

/** Better Auth's body for a password sign-in that may redirect: {redirect, token, url?, user}. */
export function signInBody(ctx: EndpointContext, token: string, user: User, callbackURL: string | undefined) {
  if (callbackURL) ctx.response.headers.set("location", callbackURL);
  return callbackURL
    ? { redirect: true, token, url: callbackURL, user: ctx.auth.publicUser(user) }
    : { redirect: false, token, user: ctx.auth.publicUser(user) };
}

export function signInEmail(auth: CoreContext): Endpoint {
  return {
    method: "POST",
    path: "/sign-in/email",
    body: {
      email: { type: "string" },
      password: { type: "string" },
      callbackURL: { type: "string", optional: true },
      rememberMe: { type: "boolean", optional: true },
    },
    allowFormBody: true,
    loginCsrfGuard: true,
    async handler(ctx) {
      if (auth.options.emailAndPassword?.enabled === false) throw APIError.from(400, BASE_ERROR_CODES, "EMAIL_PASSWORD_DISABLED");
      const { email, password, callbackURL, rememberMe } = ctx.body as {
        email: string; password: string; callbackURL?: string; rememberMe?: boolean;
      };
      if (!isEmail(email)) throw APIError.from(400, BASE_ERROR_CODES, "INVALID_EMAIL");
      if (password.length > auth.settings.maxPasswordLength) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_LONG");
      const user = await auth.users.findByEmail(email);
      const { session } = await passwordSignIn(ctx, user, password, rememberMe, () =>
        APIError.from(401, BASE_ERROR_CODES, "INVALID_EMAIL_OR_PASSWORD"),
      );
      return signInBody(ctx, session.token, user as User, callbackURL);
    },
  };
}
