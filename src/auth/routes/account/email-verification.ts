/**
 * POST /send-verification-email and GET /verify-email (Better Auth 1.7.25), plus the sign-up mail
 * (emailVerification.sendOnSignUp). Links carry a random single-use token stored as a hash (tokens.ts)
 * where Better Auth sends a signed JWT that stays valid until it expires.
 *
 * The token's value says what it proves: {userId, email} (this user owns this address) or, for an
 * email change, {userId, email, updateTo} (the owner of `email` asked to move to `updateTo`, and
 * whoever opens the link reads mail at `updateTo`). Both are checked against the user as stored now.
 */
import { defineEndpoint } from "../../plugin-api.js";
import { UniqueConstraintError } from "../../../adapters/types.js";
import { APIError, BASE_ERROR_CODES } from "../../errors.js";
import type { EndpointContext, User } from "../../types.js";
import { accountError, type AccountErrorCode } from "./errors.js";
import { apiRoot, checkQueryCallback, redirect } from "./links.js";
import { accountSettings } from "./options.js";
import { autoSignIn } from "./sign-in-decision.js";
import { deliver, undoChange } from "./state.js";
import { consumeToken, issueToken, newToken, probe, tokenExists } from "./tokens.js";

interface Claim {
  userId: string;
  email: string;
  updateTo?: string;
}

function parseClaim(value: string): Claim | null {
  try {
    const v = JSON.parse(value) as Partial<Claim>;
    if (typeof v.userId !== "string" || typeof v.email !== "string") return null;
    if (v.updateTo !== undefined && typeof v.updateTo !== "string") return null;
    return { userId: v.userId, email: v.email, updateTo: v.updateTo };
  } catch {
    return null;
  }
}

/** Issue a verification token for `claim` and mail its link to `to` (the user as the mail should name it). */
export async function sendVerification(ctx: EndpointContext, to: User, claim: Claim, callbackURL: string | undefined): Promise<void> {
  const settings = accountSettings(ctx.auth);
  const send = settings.sendVerificationEmail;
  if (send === null) throw accountError(400, "VERIFICATION_EMAIL_NOT_ENABLED");
  const token = await issueToken(ctx, "verify-email", JSON.stringify(claim), settings.verificationTtl);
  const url = `${apiRoot(ctx)}/verify-email?token=${token}&callbackURL=${encodeURIComponent(callbackURL || "/")}`;
  deliver(ctx, "sendVerificationEmail", send, { user: to, url, token });
}

/** Sign-up's mail (sendOnSignUp, default requireEmailVerification); called by /sign-up/email once the user exists. */
export async function sendSignUpVerification(ctx: EndpointContext, user: User, callbackURL: string | undefined): Promise<void> {
  const settings = accountSettings(ctx.auth);
  if (!settings.sendOnSignUp || settings.sendVerificationEmail === null) return;
  await sendVerification(ctx, user, { userId: user.id, email: user.email }, callbackURL);
}

export function sendVerificationEmail() {
  return defineEndpoint({
    method: "POST",
    path: "/send-verification-email",
    body: { email: { type: "string", email: true }, callbackURL: { type: "string", optional: true } },
    async handler(ctx) {
      const auth = ctx.auth;
      if (accountSettings(auth).sendVerificationEmail === null) throw accountError(400, "VERIFICATION_EMAIL_NOT_ENABLED");
      const email = (ctx.body.email as string).toLowerCase();
      const callbackURL = ctx.body.callbackURL as string | undefined;
      const session = await ctx.getSession();
      if (session === null) {
        // Anyone may ask: the answer and the work are the same whether or not the address has an
        // unverified account (one token made and hashed, one store round trip; the mail is not awaited).
        const user = await auth.users.findByEmail(email);
        if (user === null || user.emailVerified) {
          await probe(auth, newToken(auth, "verify-email", 24).identifier);
          return { status: true };
        }
        await sendVerification(ctx, user, { userId: user.id, email: user.email }, callbackURL);
        return { status: true };
      }
      if (session.user.email.toLowerCase() !== email) throw accountError(400, "EMAIL_MISMATCH");
      if (session.user.emailVerified) throw accountError(400, "EMAIL_ALREADY_VERIFIED");
      await sendVerification(ctx, session.user, { userId: session.user.id, email: session.user.email }, callbackURL);
      return { status: true };
    },
  });
}

export function verifyEmail() {
  return defineEndpoint({
    method: "GET",
    path: "/verify-email",
    query: { token: { type: "string" }, callbackURL: { type: "string", optional: true } },
    async handler(ctx) {
      await checkQueryCallback(ctx);
      const auth = ctx.auth;
      const settings = accountSettings(auth);
      const callbackURL = ctx.query.callbackURL as string | undefined;
      const fail = (code: AccountErrorCode) => {
        const target = callbackURL ? appendQuery(callbackURL, "error", code) : null;
        if (target !== null) return redirect(ctx, target);
        throw accountError(401, code);
      };
      const token = ctx.query.token as string;
      const value = await consumeToken(ctx, "verify-email", token);
      if (value === null) return fail((await tokenExists(auth, "verify-email", token)) ? "TOKEN_EXPIRED" : "INVALID_TOKEN");
      const claim = parseClaim(value);
      if (claim === null) return fail("INVALID_TOKEN");
      const user = await auth.users.findById(claim.userId);
      if (user === null) return fail("USER_NOT_FOUND");
      // The address the token was made for must still be the user's: a token for an old address
      // proves nothing about the current one.
      if (user.email !== claim.email) return fail("INVALID_TOKEN");
      const session = await ctx.getSession();

      if (claim.updateTo !== undefined) {
        if (session !== null && session.user.id !== user.id) return fail("INVALID_USER");
        const updated = await changeStoredEmail(ctx, user, claim.updateTo);
        if (session !== null) await ctx.setSessionCookie(session.session);
        if (callbackURL) return redirect(ctx, callbackURL);
        return { status: true, user: auth.publicUser(updated) };
      }

      if (!user.emailVerified) {
        undoChange(ctx, "user", user.id, { emailVerified: true }, { emailVerified: false }, "mark the email unverified again");
        const verified = (await auth.users.update(user.id, { emailVerified: true })) ?? { ...user, emailVerified: true };
        if (settings.afterEmailVerification) await settings.afterEmailVerification(verified, ctx.request);
        if (settings.autoSignInAfterVerification) {
          if (session === null || session.user.email !== user.email) await autoSignIn(ctx, verified);
          else await ctx.setSessionCookie(session.session);
        }
      }
      if (callbackURL) return redirect(ctx, callbackURL);
      return { status: true, user: null };
    },
  });
}

/** Move the user to `email` (emailVerified unchanged, as Better Auth does), undone on failure. */
export async function changeStoredEmail(ctx: EndpointContext, user: User, email: string): Promise<User> {
  const auth = ctx.auth;
  undoChange(ctx, "user", user.id, { email }, { email: user.email }, "restore the email it changed");
  try {
    return (await auth.users.update(user.id, { email })) ?? { ...user, email };
  } catch (e) {
    if (e instanceof UniqueConstraintError && e.field === "email") {
      throw APIError.from(422, BASE_ERROR_CODES, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    }
    throw e;
  }
}

const REFERENCE = "http://reference.invalid";

/**
 * Better Auth's appendQueryParams: a root-relative URL stays relative; null for what it rejects
 * ("//host", "/\\host", not a URL), which then gets the error answer instead of a redirect.
 */
function appendQuery(url: string, key: string, value: string): string | null {
  const relative = url.startsWith("/");
  if (url.startsWith("//") || url.startsWith("/\\")) return null;
  let parsed: URL;
  try {
    parsed = relative ? new URL(url, REFERENCE) : new URL(url);
  } catch {
    return null;
  }
  if (relative && parsed.origin !== REFERENCE) return null;
  const query = new URLSearchParams({ [key]: value }).toString();
  const separator = parsed.search.endsWith("&") ? "" : "&";
  parsed.search = parsed.search ? `${parsed.search}${separator}${query}` : query;
  return relative ? parsed.href.slice(parsed.origin.length) : parsed.href;
}
