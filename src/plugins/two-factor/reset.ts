/**
 * Support-desk recovery: `auth.api.resetTwoFactor({ body: { userId, revokeSessions? } })`, for a user
 * who lost their authenticator and their backup codes. Server-only: the endpoint has no path, so no
 * HTTP request reaches it (types.ts, Endpoint.path); the app decides who may call it and records why.
 *
 * It removes every second-factor row of the user (the twoFactor row with its TOTP secret and lockout
 * counter, backup codes, pending sign-in challenges, one-time codes and their send counters, trusted
 * devices), by default every session too, and then, in one write to the user row, turns
 * `twoFactorEnabled` off and starts a new factor generation (row.ts), so nothing bound to the old one
 * (a trust cookie, a TOTP row read before the reset) counts again. Without an enforcement policy the
 * user then signs in with the password alone; under one, the next sign-in asks them to enrol.
 *
 * All or nothing: each delete goes through removeRows (its re-creation registered before the write) and
 * the user write registers its restore first (guarded on the generation this request set), so a failure
 * at any step leaves the user's two-factor state exactly as it was, second factor still required.
 *
 * Order: what grants access goes first (challenges, trusted devices, the TOTP row: every code check
 * reads it), then the rest, then the sessions, and the user write last. Until that write the flag stays
 * on, so a sign-in racing the reset is challenged and finds no factor to pass (fails closed), and a
 * failure undone half way never leaves a window in which the password alone was enough. A sign-in that
 * had already passed its second factor when the reset began is one from before the reset: its session
 * is written one store operation later and goes with the others at the session step (up to eight
 * operations after the last factor delete; test/two-factor/reset.test.ts races them). That is a
 * margin, not a lock: the core inserts sessions unconditionally, so a store that delayed that one write
 * past the session step would leave it (docs/two-factor-operations.md).
 */
import { APIError } from "../../auth/errors.js";
import { defineEndpoint, removeRows } from "../../auth/plugin-api.js";
import type { EndpointContext, User } from "../../auth/types.js";
import { emit } from "./events.js";
import { generationOf } from "./row.js";
import { MODELS } from "./schema.js";

/** The plugin's models in reset order: access-granting rows first (see the file comment). */
const FACTOR_MODELS = [MODELS.challenge, MODELS.trustedDevice, MODELS.twoFactor, MODELS.backupCode, MODELS.otp, MODELS.otpSend] as const;

export const resetTwoFactorEndpoint = defineEndpoint({
  method: "POST",
  // No `path`: reachable through auth.api only (server-only; init() routes only endpoints with a path).
  body: {
    userId: { type: "string", minLength: 1, maxLength: 255 },
    revokeSessions: { type: "boolean", optional: true },
  },
  async handler(ctx): Promise<{ status: true }> {
    const { userId } = ctx.body;
    const revokeSessions = ctx.body.revokeSessions ?? true;
    const user = await ctx.auth.users.findById(userId);
    if (user === null) throw new APIError(404, "USER_NOT_FOUND", "User not found");
    await resetTwoFactor(ctx, user, revokeSessions);
    emit(ctx, { type: "two-factor.reset", userId, revokedSessions: revokeSessions });
    return { status: true };
  },
});

async function resetTwoFactor(ctx: EndpointContext, user: User, revokeSessions: boolean): Promise<void> {
  const auth = ctx.auth;
  const byUser = [{ field: "userId", value: user.id }] as const;
  for (const model of FACTOR_MODELS) await removeRows(ctx, model, byUser);
  if (revokeSessions) await removeRows(ctx, "session", byUser);

  const generation = auth.generateId();
  const before = {
    twoFactorEnabled: user.twoFactorEnabled ?? false,
    twoFactorGeneration: generationOf(user),
    updatedAt: user.updatedAt,
  };
  // Registered before the write (a lost reply may hide an applied update); guarded on the generation
  // only this request knows, so it never undoes a later change of someone else's.
  ctx.onFailure(
    () =>
      auth.store.update<User>(
        "user",
        [
          { field: "id", value: user.id },
          { field: "twoFactorGeneration", value: generation },
        ],
        before as Partial<User>,
      ),
    "restore the user's two-factor flag",
  );
  await auth.users.update(user.id, { twoFactorEnabled: false, twoFactorGeneration: generation } as Partial<User>);
}
