/**
 * POST /update-user and POST /change-email (Better Auth 1.7.25).
 *
 * update-user changes `name` and `image` only. Fields a plugin adds to the user (username, phone
 * number, twoFactorEnabled) are not taken here: their plugins check them where they are set, and
 * twoFactorEnabled must only change through the two-factor endpoints. The email changes only through
 * /change-email, with proof of the new address (or, with updateEmailWithoutVerification, at once for a
 * user whose current address was never verified).
 */
import { defineEndpoint } from "../../plugin-api.js";
import { changeStoredEmail, sendVerification } from "./email-verification.js";
import { accountError, messageOnly } from "./errors.js";
import { accountSettings } from "./options.js";
import { probe, newToken } from "./tokens.js";
import { undoChange } from "./state.js";

export function updateUser() {
  return defineEndpoint({
    method: "POST",
    path: "/update-user",
    body: {
      name: { type: "string", optional: true, maxLength: 256 },
      image: { type: "string", optional: true, maxLength: 2048 },
      email: { type: "string", optional: true },
    },
    async handler(ctx) {
      const auth = ctx.auth;
      const current = await ctx.requireSession();
      const { name, image, email } = ctx.body as { name?: string; image?: string; email?: string };
      if (email) throw accountError(400, "EMAIL_CAN_NOT_BE_UPDATED");
      if (name === undefined && image === undefined) throw messageOnly(400, "No fields to update");
      const change: { name?: string; image?: string } = {};
      if (name !== undefined) change.name = name;
      if (image !== undefined) change.image = image;
      const before = { name: current.user.name, image: current.user.image };
      undoChange(ctx, "user", current.user.id, change, before, "restore the profile it changed");
      await auth.users.update(current.user.id, change);
      // Better Auth re-sends the session cookie (its cookie cache would carry the new user data).
      await ctx.setSessionCookie(current.session);
      return { status: true };
    },
  });
}

export function changeEmail() {
  return defineEndpoint({
    method: "POST",
    path: "/change-email",
    body: { newEmail: { type: "string", email: true }, callbackURL: { type: "string", optional: true } },
    async handler(ctx) {
      const auth = ctx.auth;
      const current = await ctx.requireSession();
      const settings = accountSettings(auth);
      if (!settings.changeEmail) throw accountError(400, "CHANGE_EMAIL_DISABLED");
      const newEmail = (ctx.body.newEmail as string).toLowerCase();
      const callbackURL = ctx.body.callbackURL as string | undefined;
      const user = current.user;
      if (newEmail === user.email) throw messageOnly(400, "Email is the same");
      const withoutVerification = user.emailVerified !== true && settings.updateEmailWithoutVerification;
      if (!withoutVerification && settings.sendVerificationEmail === null) throw messageOnly(400, "Verification email isn't enabled");
      if ((await auth.users.findByEmail(newEmail)) !== null) {
        // Taken: the same answer as a change that mails a link, after the same work.
        await probe(auth, newToken(auth, "verify-email", 24).identifier);
        return { status: true };
      }
      if (withoutVerification) {
        const updated = await changeStoredEmail(ctx, user, newEmail);
        await ctx.setSessionCookie(current.session);
        if (settings.sendVerificationEmail !== null) {
          await sendVerification(ctx, updated, { userId: user.id, email: newEmail }, callbackURL);
        }
        return { status: true };
      }
      await sendVerification(ctx, { ...user, email: newEmail }, { userId: user.id, email: user.email, updateTo: newEmail }, callbackURL);
      return { status: true };
    },
  });
}
