/**
 * The sign-in gate (spec section 4): an after-hook on the credential sign-in endpoints. For a user with
 * 2FA on and no valid trusted-device cookie, the session the handler just made is withdrawn (row deleted,
 * its cookies expired) and replaced by a challenge: the signed two_factor cookie and
 * `{twoFactorRedirect: true, twoFactorMethods}` with status 200, which the client's twoFactorClient
 * turns into onTwoFactorRedirect. Cookie order: dont_remember (the handler's), expired trust_device,
 * expired session_token, expired session_data, two_factor.
 */
import type { EndpointContext, Hook } from "../../auth/types.js";
import { createChallenge } from "./challenge.js";
import { findTwoFactor } from "./lockout.js";
import type { StateRegistry } from "./state.js";
import { useTrustedDevice } from "./trusted-device.js";

const SIGN_IN_PATHS = new Set(["/sign-in/email", "/sign-in/username", "/sign-in/phone-number"]);

export function signInGate(states: StateRegistry): Hook {
  return {
    matches: (ctx: EndpointContext) => SIGN_IN_PATHS.has(ctx.path),
    async handler(ctx) {
      const created = ctx.newSession;
      if (!created || ctx.response.status < 200 || ctx.response.status >= 300) return;
      const user = created.user as typeof created.user & { twoFactorEnabled?: boolean };
      if (user.twoFactorEnabled !== true) return;
      const { options } = states.get(ctx.auth);
      if (await useTrustedDevice(ctx, options, user.id)) return;

      await ctx.auth.sessions.delete(created.session.token);
      ctx.newSession = null;
      ctx.expireCookie("session_token");
      ctx.expireCookie("session_data");
      await createChallenge(ctx, options, user.id);

      const row = await findTwoFactor(ctx.auth, user.id);
      const methods: ("totp" | "otp")[] = [];
      if (!options.totp.disable && row?.secret && row.verified) methods.push("totp");
      if (options.otp.sendOtp) methods.push("otp");
      ctx.response.status = 200;
      ctx.response.body = { twoFactorRedirect: true, twoFactorMethods: methods };
    },
  };
}
