/**
 * `kernia/plugins/two-factor`: TOTP, emailed/SMS one-time codes and backup codes as a second step after
 * credential sign-in, on the Better Auth 1.7.x wire protocol (the official twoFactorClient works
 * unchanged). Options: `twoFactor(options)`, overridden key by key by `advanced["two-factor"]`.
 *
 * Server-only Better Auth endpoints not offered: `viewBackupCodes` (codes are stored as one-way hashes,
 * so they cannot be shown again; `GET /two-factor/backup-codes/status` reports how many remain) and
 * `generateTOTP`.
 */
import { assertKnownKeys, listOptionKeys, type Plugin } from "../../auth/plugin-api.js";
import { createEndpoints } from "./endpoints.js";
import { withChallengeEvents } from "./events.js";
import { twoFactorGate } from "./gate.js";
import { deleteUserData, revokeUserGrants } from "./lifecycle.js";
import type { TwoFactorOptions } from "./options.js";
import { resetTwoFactorEndpoint } from "./reset.js";
import { twoFactorSchema } from "./schema.js";
import { StateRegistry } from "./state.js";

export { TWO_FACTOR_ERROR_CODES, type TwoFactorErrorCode } from "./errors.js";
export type { TwoFactorEvent, TwoFactorEventBase, TwoFactorEventFields, TwoFactorEventType } from "./events.js";
export type {
  AccountLockoutOptions,
  BackupCodeOptions,
  EnforcementOptions,
  OtpOptions,
  SendOtpData,
  TotpOptions,
  TwoFactorOptions,
} from "./options.js";

declare module "../../auth/types.js" {
  interface PluginUserFields {
    /** Set once a second factor is confirmed; the sign-in gate challenges while it is true. */
    twoFactorEnabled?: boolean;
  }
  interface PluginOptionsById {
    /** Overrides twoFactor(options) key by key. */
    "two-factor": TwoFactorOptions;
  }
}

/** Every key of TwoFactorOptions (a compile error names one that is missing). */
const OPTION_KEYS = listOptionKeys<TwoFactorOptions>()([
  "issuer",
  "otpOptions",
  "totpOptions",
  "backupCodeOptions",
  "skipVerificationOnEnable",
  "trustDeviceMaxAge",
  "twoFactorCookieMaxAge",
  "maxChallengeAttempts",
  "accountLockout",
  "revokeOtherSessions",
  "enforcement",
  "onEvent",
]);

/**
 * The plugin's endpoint table: createEndpoints' HTTP endpoints and the server-only reset. auth.api takes
 * each endpoint's body and result types from here, so an endpoint added to the table is typed with no
 * list to keep.
 */
export type TwoFactorEndpoints = ReturnType<typeof createEndpoints> & { resetTwoFactor: typeof resetTwoFactorEndpoint };

export function twoFactor(options?: TwoFactorOptions): Plugin<TwoFactorEndpoints> {
  assertKnownKeys("twoFactor()", options, OPTION_KEYS);
  const states = new StateRegistry(options);
  return {
    id: "two-factor",
    optionKeys: OPTION_KEYS,
    schema: twoFactorSchema,
    // resetTwoFactor: server-only support-desk reset (reset.ts), no HTTP path.
    endpoints: { ...createEndpoints(states), resetTwoFactor: resetTwoFactorEndpoint },
    signInGate: withChallengeEvents(twoFactorGate(states)), // two-factor.challenge-issued (events.ts)
    // Better Auth's plugin rule: 3 requests per 10 s per IP and path under /two-factor/ (when rate
    // limiting is on). The store-backed caps above hold regardless of it.
    rateLimit: [{ matches: (path) => path.startsWith("/two-factor/"), window: 10, max: 3 }],
    init(auth) {
      states.init(auth);
    },
    revokeUserGrants,
    deleteUserData, // account lifecycle (lifecycle.ts)
  };
}
