/**
 * `username(options?)`: usernames at sign-up and POST /sign-in/username, as Better Auth 1.7.25's
 * username plugin (wire spec 5.1, 5.3). Usernames are stored normalised (lower-cased by default);
 * validation errors are 400 at sign-up and 422 at sign-in, as Better Auth answers.
 */
import {
  APIError,
  defineEndpoint,
  passwordSignIn,
  signInAnswer,
  type EndpointContext,
  type Plugin,
  type User,
} from "../../auth/plugin-api.js";

declare module "../../auth/types.js" {
  interface PluginUserFields {
    /** The normalised (by default lower-cased) username; unique. */
    username?: string | null;
    /** The username as the user typed it (or chose it for display). */
    displayUsername?: string | null;
  }
}

export const USERNAME_ERROR_CODES = {
  INVALID_USERNAME_OR_PASSWORD: "Invalid username or password",
  EMAIL_NOT_VERIFIED: "Email not verified",
  UNEXPECTED_ERROR: "Unexpected error",
  USERNAME_IS_ALREADY_TAKEN: "Username is already taken. Please try another.",
  USERNAME_TOO_SHORT: "Username is too short",
  USERNAME_TOO_LONG: "Username is too long",
  INVALID_USERNAME: "Username is invalid",
  INVALID_DISPLAY_USERNAME: "Display username is invalid",
  USERNAME_IS_IMMUTABLE: "Username cannot be updated",
} as const;
export type UsernameErrorCode = keyof typeof USERNAME_ERROR_CODES;

export interface UsernameOptions {
  minUsernameLength?: number; // default 3
  maxUsernameLength?: number; // default 30
  /** Default: /^[a-zA-Z0-9_.]+$/ */
  usernameValidator?: (username: string) => boolean | Promise<boolean>;
  displayUsernameValidator?: (displayUsername: string) => boolean | Promise<boolean>;
  /** Default: lower-case. false keeps the username as typed. */
  usernameNormalization?: ((username: string) => string) | false;
  /** Store a displayUsername (default true). */
  displayUsername?: boolean;
}

const err = (status: number, code: UsernameErrorCode) => APIError.from(status, USERNAME_ERROR_CODES, code);

export function username(options: UsernameOptions = {}) {
  const min = options.minUsernameLength ?? 3;
  const max = options.maxUsernameLength ?? 30;
  const validator = options.usernameValidator ?? ((u: string) => /^[a-zA-Z0-9_.]+$/.test(u));
  const normalize =
    options.usernameNormalization === false ? (u: string) => u : (options.usernameNormalization ?? ((u: string) => u.toLowerCase()));
  const withDisplay = options.displayUsername !== false;

  /** The error code for a username that breaks the rules, or null. */
  async function problem(value: string): Promise<UsernameErrorCode | null> {
    if (value.length < min) return "USERNAME_TOO_SHORT";
    if (value.length > max) return "USERNAME_TOO_LONG";
    if (!(await validator(value))) return "INVALID_USERNAME";
    return null;
  }

  const isSignUp = (ctx: EndpointContext) => ctx.path === "/sign-up/email";

  return {
    id: "username",
    schema: {
      user: {
        fields: {
          username: { type: "string", unique: true, input: true },
          ...(withDisplay ? { displayUsername: { type: "string" as const, input: true } } : {}),
        },
      },
    },
    uniqueErrors: { "user.username": () => err(400, "USERNAME_IS_ALREADY_TAKEN") },
    hooks: {
      before: [
        {
          matches: isSignUp,
          async handler(ctx) {
            const body = ctx.body;
            // Better Auth validates only a displayUsername the client sent, not one copied from username.
            const sentDisplay = typeof body.displayUsername === "string" ? body.displayUsername : null;
            // Only a displayUsername that is itself a valid username becomes the username (Better Auth).
            if (typeof body.displayUsername === "string" && body.username === undefined && (await problem(body.displayUsername)) === null) {
              body.username = body.displayUsername;
            }
            if (typeof body.username === "string") {
              const code = await problem(body.username);
              if (code) throw err(400, code);
              const normalized = normalize(body.username);
              const taken = await ctx.auth.store.findOne("user", [{ field: "username", value: normalized }]);
              if (taken) throw err(400, "USERNAME_IS_ALREADY_TAKEN");
              if (withDisplay && body.displayUsername === undefined) body.displayUsername = body.username;
              body.username = normalized;
            }
            if (!withDisplay) delete body.displayUsername;
            else if (sentDisplay !== null && options.displayUsernameValidator) {
              if (!(await options.displayUsernameValidator(sentDisplay))) throw err(400, "INVALID_DISPLAY_USERNAME");
            }
          },
        },
      ],
    },
    endpoints: {
      signInUsername: defineEndpoint({
        method: "POST",
        path: "/sign-in/username",
        body: {
          username: { type: "string" },
          password: { type: "string" },
          rememberMe: { type: "boolean", optional: true },
          callbackURL: { type: "string", optional: true },
        },
        async handler(ctx) {
          const { username: name, password, rememberMe, callbackURL } = ctx.body;
          if (!name || !password) throw err(401, "INVALID_USERNAME_OR_PASSWORD");
          const code = await problem(name);
          if (code) throw err(422, code);
          ctx.auth.passwords.assertLength(password, "existing");
          const user = await ctx.auth.store.findOne<User>("user", [{ field: "username", value: normalize(name) }]);
          const result = await passwordSignIn(ctx, user, password, { rememberMe, invalid: () => err(401, "INVALID_USERNAME_OR_PASSWORD") });
          return signInAnswer(ctx, result, callbackURL);
        },
      }),
      isUsernameAvailable: defineEndpoint({
        method: "POST",
        path: "/is-username-available",
        body: { username: { type: "string" } },
        async handler(ctx) {
          const name = ctx.body.username;
          if (!name) throw err(422, "INVALID_USERNAME");
          const code = await problem(name);
          if (code) throw err(422, code);
          const taken = await ctx.auth.store.findOne("user", [{ field: "username", value: normalize(name) }]);
          return { available: taken === null };
        },
      }),
    },
  } satisfies Plugin;
}
