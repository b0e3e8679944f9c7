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
 * - Enforcement (enforcement.ts): a user without a confirmed factor whom the policy covers, at sign-in
 *   and at sign-up alike, gets the enrolment-required challenge `{twoFactorRedirect: true,
 *   twoFactorMethods: <methods to enrol with>, twoFactorEnrolmentRequired: true}`, opened the same way
 *   (its row marked `enrolment`). A trusted-device cookie is not even read for such a user: trust is
 *   only ever the memory of a proved factor, and this user has none, so no cookie can let them through.
 *   With enforcement off (the default), the branch costs no store operation and no call.
 */
import type { SignInGate, SignInGateAnswer } from "../../auth/plugin-api.js";
import { createChallenge } from "./challenge.js";
import { enrolmentMethods, policyCovers } from "./enforcement.js";
import { findTwoFactor, totpUsable } from "./row.js";
import type { StateRegistry } from "./state.js";
import { useTrustedDevice } from "./trusted-device.js";

const ALLOW: SignInGateAnswer = { allow: true };

export function twoFactorGate(states: StateRegistry): SignInGate {
  return async (ctx, { user }) => {
    if (user.twoFactorEnabled !== true) {
      const { options } = states.get(ctx.auth);
      if (options.enforcement.enabled === false || !(await policyCovers(options, user))) return ALLOW;
      return {
        challenge: { twoFactorRedirect: true, twoFactorMethods: enrolmentMethods(options), twoFactorEnrolmentRequired: true },
        open: () => createChallenge(ctx, options, user.id, true),
      };
    }
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
