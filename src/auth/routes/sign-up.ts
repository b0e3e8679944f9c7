/** POST /sign-up/email (wire spec 5.1). */
import { UniqueConstraintError, type Row, type Schema, type Value } from "../../adapters/types.js";
import type { CoreContext } from "../context.js";
import { APIError, BASE_ERROR_CODES } from "../errors.js";
import { defineEndpoint } from "../plugin-api.js";
import type { FieldRule, InputSchema, User } from "../types.js";
import { sendSignUpVerification } from "./account/email-verification.js";

const SIGN_UP_FIELDS = {
  name: { type: "string" },
  email: { type: "string", email: true },
  password: { type: "string", minLength: 1 },
  image: { type: "string", optional: true },
  callbackURL: { type: "string", optional: true },
  rememberMe: { type: "boolean", optional: true },
} as const satisfies InputSchema;

/** Sign-up body: Better Auth's fields, plus every user field a plugin marks `input: true`. */
function signUpBody(schema: Schema): typeof SIGN_UP_FIELDS & InputSchema {
  const body: typeof SIGN_UP_FIELDS & InputSchema = { ...SIGN_UP_FIELDS };
  for (const [name, def] of Object.entries(schema.user.fields)) {
    if (!def.input || name in body) continue;
    const rule: FieldRule | null =
      def.type === "string"
        ? { type: "string", optional: true }
        : def.type === "boolean"
          ? { type: "boolean", optional: true }
          : def.type === "number"
            ? { type: "number", optional: true }
            : null;
    if (rule) body[name] = rule;
  }
  return body;
}

export function signUpEmail(auth: CoreContext) {
  return defineEndpoint({
    method: "POST",
    path: "/sign-up/email",
    body: signUpBody(auth.schema),
    allowFormBody: true,
    loginCsrfGuard: true,
    async handler(ctx) {
      const opts = auth.options.emailAndPassword ?? {};
      if (opts.enabled === false || opts.disableSignUp) throw APIError.from(400, BASE_ERROR_CODES, "EMAIL_PASSWORD_SIGN_UP_DISABLED");
      const { name, password, image, rememberMe } = ctx.body;
      const email = ctx.body.email.toLowerCase();
      auth.passwords.assertLength(password, "new");

      // Better Auth answers a duplicate with a fake success when the answer would reveal which emails
      // exist to someone who cannot sign in anyway (verification required / no auto sign-in).
      const concealDuplicates = opts.requireEmailVerification === true || opts.autoSignIn === false;
      const now = new Date(auth.now());
      const row: Record<string, Value> = {
        id: auth.generateId(),
        name,
        email,
        emailVerified: false,
        image: image ?? null,
        createdAt: now,
        updatedAt: now,
      };
      for (const [field, def] of Object.entries(auth.schema.user.fields)) {
        const v = ctx.body[field];
        if (def.input && !(field in row) && v !== undefined) row[field] = v as Value;
      }

      if ((await auth.users.findByEmail(email)) !== null) {
        if (concealDuplicates) {
          await auth.passwords.hash(password);
          return { token: null, user: auth.publicUser(row as User) };
        }
        throw APIError.from(422, BASE_ERROR_CODES, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
      }
      const hash = await auth.passwords.hash(password);

      // No half state: a user without its credential could never sign in but would block the email. Each
      // undo is registered before its create and deletes by the id generated here, so it also removes a
      // row whose create was applied with its reply lost, and never touches anyone else's.
      const userId = row.id as string;
      ctx.onFailure(() => auth.store.deleteMany("user", [{ field: "id", value: userId }]), "delete the user it created");
      let user: User;
      try {
        user = await auth.store.create<User>("user", row as User);
      } catch (e) {
        throw uniqueError(auth, e, concealDuplicates);
      }
      const accountId = auth.generateId();
      ctx.onFailure(() => auth.store.deleteMany("account", [{ field: "id", value: accountId }]), "delete the account it created");
      await auth.store.create<Row>("account", {
        id: accountId,
        accountId: user.id,
        providerId: "credential",
        userId: user.id,
        password: hash,
        createdAt: now,
        updatedAt: now,
      });
      await sendSignUpVerification(ctx, user, ctx.body.callbackURL as string | undefined); // emailVerification.sendOnSignUp
      if (concealDuplicates) return { token: null, user: auth.publicUser(user) };
      // A sign-in gate may ask for a challenge at sign-up too (an enforcement policy); none does today.
      const result = await ctx.signIn(user, { kind: "sign-up", dontRemember: rememberMe === false });
      if ("challenge" in result) return result.challenge;
      return { token: result.session.session.token, user: auth.publicUser(user) };
    },
  });
}

/** Map a unique violation on user creation to the API error a concurrent duplicate deserves. */
function uniqueError(auth: CoreContext, e: unknown, conceal: boolean): unknown {
  if (!(e instanceof UniqueConstraintError)) return e;
  if (e.field === "email") {
    return conceal
      ? APIError.from(422, BASE_ERROR_CODES, "FAILED_TO_CREATE_USER")
      : APIError.from(422, BASE_ERROR_CODES, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
  }
  for (const plugin of auth.plugins) {
    const make = plugin.uniqueErrors?.[`${e.model}.${e.field}`];
    if (make) return make();
  }
  return APIError.from(422, BASE_ERROR_CODES, "FAILED_TO_CREATE_USER");
}
