/**
 * The plugin's side of the account lifecycle (Plugin.revokeUserGrants / deleteUserData).
 *
 * Revoking grants (password reset, or a password change that signs other devices out): every pending
 * sign-in challenge of the user goes, so a browser that passed the old password before the reset
 * cannot finish its second step afterwards; so do the OTPs waiting on those challenges and on revoked
 * sessions, and the trusted devices, which would otherwise let the old password skip the second factor
 * on those browsers. A password change keeps this browser's trusted device and its session's OTP.
 * None of this is undone on failure: it only takes access away (see routes/account/state.ts), so the
 * `trusted-device.revoked` event it reports is delivered even when the request then fails (events.ts).
 *
 * Deleting the account: every row the plugin keeps for the user, each delete undoable (removeRows
 * re-creates the rows if the request fails later), so the deletion is all or nothing.
 */
import type { Where } from "../../adapters/types.js";
import type { EndpointContext } from "../../auth/types.js";
import { removeRows } from "../../auth/plugin-api.js";
import { TWO_FACTOR_COOKIE } from "./challenge.js";
import { emit } from "./events.js";
import { MODELS } from "./schema.js";
import { forgetAllDevices, listTrustedDevices, TRUST_DEVICE_COOKIE } from "./trusted-device.js";

export async function revokeUserGrants(ctx: EndpointContext, userId: string, options: { keepCurrentDevice?: boolean }): Promise<void> {
  const store = ctx.auth.store;
  const byUser: Where = { field: "userId", value: userId };
  await store.deleteMany(MODELS.challenge, [byUser]);
  if (options.keepCurrentDevice) {
    const current = await ctx.getSession();
    const otpWhere: Where[] = [byUser];
    if (current?.user.id === userId) otpWhere.push({ field: "id", operator: "ne", value: `${userId}!${current.session.id}` });
    await store.deleteMany(MODELS.otp, otpWhere);
    const device = (await listTrustedDevices(ctx, userId)).find((d) => d.current);
    const deviceWhere: Where[] = [byUser];
    if (device) deviceWhere.push({ field: "id", operator: "ne", value: device.id });
    const count = await store.deleteMany(MODELS.trustedDevice, deviceWhere);
    if (count > 0) emit(ctx, { type: "trusted-device.revoked", userId, count });
  } else {
    await store.deleteMany(MODELS.otp, [byUser]);
    await forgetAllDevices(ctx, userId);
  }
}

export async function deleteUserData(ctx: EndpointContext, userId: string): Promise<void> {
  const byUser: Where[] = [{ field: "userId", value: userId }];
  for (const model of [MODELS.challenge, MODELS.otp, MODELS.otpSend, MODELS.trustedDevice, MODELS.backupCode, MODELS.twoFactor]) {
    await removeRows(ctx, model, byUser);
  }
  if (await ctx.getSignedCookie(TRUST_DEVICE_COOKIE)) ctx.expireCookie(TRUST_DEVICE_COOKIE);
  if (await ctx.getSignedCookie(TWO_FACTOR_COOKIE)) ctx.expireCookie(TWO_FACTOR_COOKIE);
}
