/**
 * The two-factor sign-in gate (spec section 4), run by the core's ctx.signIn on every credential
 * sign-in (email, username, phone number) and sign-up, before any session exists.
 *
 * - A user without 2FA on: allow.
 * - A valid trusted-device cookie for this user: allow (the cookie is rotated: fresh trustId and
 *   lifetime, one guarded update, so a copied cookie trusts once).
 * - Otherwise: challenge. The answer is `{twoFactorRedirect: true, twoFactorMethods}` with status 200,
 *   which the client's twoFactorClient turns into onTwoFactorRedirect; `open` creates the pending
 *   challenge row and its signed two_factor cookie once the core has withheld the session. No session
 *   row is created for a challenged sign-in. Wire order of the Set-Cookie lines (the core's and these):
 *   dont_remember (rememberMe:false), expired trust_device (an invalid one was sent), expired
 *   session_token, expired session_data, two_factor.
 *
 * Enforcement (a policy that challenges users who have no factor yet, at sign-up too) fits here as one
 * more branch before `allow`: `attempt.kind` says whether the user was just created.
 */
import type { SignInGate, SignInGateAnswer } from "../../auth/plugin-api.js";
import { createChallenge } from "./challenge.js";
import { findTwoFactor, totpUsable } from "./row.js";
import type { StateRegistry } from "./state.js";
import { useTrustedDevice } from "./trusted-device.js";

const ALLOW: SignInGateAnswer = { allow: true };

export function twoFactorGate(states: StateRegistry): SignInGate {
  return async (ctx, { user }) => {
    if (user.twoFactorEnabled !== true) return ALLOW;
    const { options } = states.get(ctx.auth);
    if (await useTrustedDevice(ctx, options, user.id)) return ALLOW;

    // "totp" when TOTP is on and the user has a confirmed secret; "otp" when codes can be sent.
    const row = await findTwoFactor(ctx.auth, user.id);
    const methods: ("totp" | "otp")[] = [];
    if (!options.totp.disable && totpUsable(row, user)) methods.push("totp");
    if (options.otp.sendOtp) methods.push("otp");
    return {
      challenge: { twoFactorRedirect: true, twoFactorMethods: methods },
      open: () => createChallenge(ctx, options, user.id),
    };
  };
}
