/** POST /sign-in/email (wire spec 5.2). */
import type { CoreContext } from "../context.js";
import { APIError, BASE_ERROR_CODES } from "../errors.js";
import { defineEndpoint, passwordSignIn, signInAnswer } from "../plugin-api.js";
import { isEmail } from "../validate.js";

export function signInEmail(auth: CoreContext) {
  return defineEndpoint({
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
      const { email, password, callbackURL, rememberMe } = ctx.body;
      if (!isEmail(email)) throw APIError.from(400, BASE_ERROR_CODES, "INVALID_EMAIL");
      auth.passwords.assertLength(password, "existing");
      const user = await auth.users.findByEmail(email);
      const result = await passwordSignIn(ctx, user, password, {
        rememberMe,
        invalid: () => APIError.from(401, BASE_ERROR_CODES, "INVALID_EMAIL_OR_PASSWORD"),
      });
      return signInAnswer(ctx, result, callbackURL);
    },
  });
}
