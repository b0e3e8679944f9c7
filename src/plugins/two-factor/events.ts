/**
 * Security events (`onEvent` on the plugin options): one typed record per second-factor event, for an
 * app's audit log or SIEM. docs/two-factor-operations.md has the table and the rules; in short:
 *
 * - After the fact. `emit` queues the event on the request (ctx.afterSettled, a core seam); it is
 *   handed over only once the request is settled: its handler, hooks and any rollback have run. An
 *   event whose write a rollback undoes is dropped: most types are delivered only when the request
 *   ends without an error. The types in APPLIED report writes no rollback touches (a wrong guess
 *   counted, a lock set, devices revoked, two-factor turned off, a code sent); they are delivered once
 *   settled even when the request answers an error, which for `two-factor.failed` and
 *   `two-factor.locked` it always does (401 INVALID_CODE or INVALID_BACKUP_CODE).
 * - Never in the way. The handler is called on a later turn of the event loop (setImmediate), after
 *   the answer is built and returned, so a slow handler delays nothing; a throw or a rejection is logged with
 *   the event type and the error's class name only, and swallowed.
 * - No secrets. Every field is chosen here or at the emitting line: ids, counts, methods, times, the
 *   client's address as the core resolved it (trusted proxies respected; null with disableIpTracking)
 *   and the User-Agent header cut to 512 characters. Never a code, secret, hash, token or cookie.
 */
import type { EndpointContext, SignInGate } from "../../auth/types.js";
import type { Target } from "./challenge.js";

/** Fields every event has. */
export interface TwoFactorEventBase {
  userId: string;
  /** When it happened, on the auth clock (advanced.now). */
  at: Date;
  /** The client's address (advanced.ipAddress rules), or null when there is none or tracking is off. */
  ipAddress: string | null;
  /** The User-Agent header, cut to 512 characters, or null without one. */
  userAgent: string | null;
}

/** Per type, the fields beyond TwoFactorEventBase. */
export interface TwoFactorEventFields {
  /** A factor was confirmed: a first TOTP code after enable (or enable with skipVerificationOnEnable), or the OTP method turned on. */
  "two-factor.enabled": { method: "totp" | "otp" };
  /** Two-factor turned off by the user (disable). */
  "two-factor.disabled": {};
  /** A credential sign-in was answered with the second-factor challenge (no session yet). */
  "two-factor.challenge-issued": { methods: string[]; enrolmentRequired: boolean };
  /** The challenge was passed and the session issued; "trusted-device": skipped on a trust cookie. */
  "two-factor.verified": { method: "totp" | "otp" | "backup-code" | "trusted-device"; trustDeviceAdded: boolean };
  /** A wrong code was compared. attemptsLeft: guesses before the account locks (null with accountLockout off). */
  "two-factor.failed": { method: "totp" | "otp" | "backup-code"; attemptsLeft: number | null };
  /** A wrong code used the last guess of the lockout budget: the account is locked until `until`. */
  "two-factor.locked": { until: Date };
  /** A backup code was spent; codesLeft: the unused codes left as this request read them. */
  "backup-code.used": { codesLeft: number };
  /** A new set of backup codes replaced the old one. */
  "backup-codes.regenerated": { count: number };
  /** This browser became a trusted device (trustDevice on a verified challenge). */
  "trusted-device.added": {};
  /** Trusted devices were revoked (by the user, by disable, by a password reset or change). */
  "trusted-device.revoked": { count: number };
  /** Support reset the user's two-factor (auth.api.resetTwoFactor). */
  "two-factor.reset": { revokedSessions: boolean };
  /** A one-time code was sent through otpOptions.sendOtp. */
  "otp.sent": { channel?: string };
}

export type TwoFactorEventType = keyof TwoFactorEventFields;

/** One event: `type` tells which fields it has. */
export type TwoFactorEvent = {
  [K in TwoFactorEventType]: { type: K } & TwoFactorEventBase & TwoFactorEventFields[K];
}[TwoFactorEventType];

/** What an emitting line supplies: the type, the user and the type's fields (emit adds the rest). */
export type TwoFactorEventInput = {
  [K in TwoFactorEventType]: { type: K; userId: string } & TwoFactorEventFields[K];
}[TwoFactorEventType];

export type TwoFactorEventHandler = (event: TwoFactorEvent) => void | Promise<void>;

/** Types delivered once settled even when the request ends with an error (see the file comment). */
const APPLIED: ReadonlySet<TwoFactorEventType> = new Set<TwoFactorEventType>([
  "two-factor.failed",
  "two-factor.locked",
  "two-factor.disabled",
  "trusted-device.revoked",
  "otp.sent",
]);

const USER_AGENT_MAX = 512;

/** The handler of each auth instance (set by the plugin's init, state.ts). */
const handlers = new WeakMap<object, TwoFactorEventHandler>();

export function setEventHandler(auth: object, handler: TwoFactorEventHandler | undefined): void {
  if (handler === undefined) handlers.delete(auth);
  else handlers.set(auth, handler);
}

/** Whether anyone listens (lets an emitting line skip work only an event needs). */
export function listening(ctx: EndpointContext): boolean {
  return handlers.has(ctx.auth);
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

function deliver(handler: TwoFactorEventHandler, event: TwoFactorEvent): void {
  const failed = (e: unknown) => console.error(`kernia: two-factor onEvent failed for ${event.type} (${errorName(e)})`);
  try {
    const result = handler(event);
    if (result !== null && typeof result === "object" && typeof (result as Promise<void>).then === "function") {
      (result as Promise<void>).then(undefined, failed);
    }
  } catch (e) {
    failed(e);
  }
}

/** Queue `input` for delivery once the request is settled (see the file comment). */
export function emit(ctx: EndpointContext, input: TwoFactorEventInput): void {
  const handler = handlers.get(ctx.auth);
  if (handler === undefined) return;
  const userAgent = ctx.headers.get("user-agent");
  const event = {
    ...input,
    at: new Date(ctx.auth.now()),
    ipAddress: ctx.clientAddress,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
  } as TwoFactorEvent;
  const applied = APPLIED.has(input.type);
  ctx.afterSettled(({ failed }) => {
    if (failed && !applied) return;
    setImmediate(deliver, handler, event);
  });
}

/**
 * The events of an accepted code: `two-factor.enabled` when the code turned the factor on (`turnedOn`:
 * an enrolment, on a session or on an enrolment challenge), and `two-factor.verified` when it answered
 * a sign-in challenge.
 */
export function reportVerified(
  ctx: EndpointContext,
  target: Target,
  method: "totp" | "otp" | "backup-code",
  trustDevice: boolean,
  turnedOn = false,
): void {
  if (turnedOn && method !== "backup-code") emit(ctx, { type: "two-factor.enabled", userId: target.user.id, method });
  if (target.kind === "challenge") {
    emit(ctx, { type: "two-factor.verified", userId: target.user.id, method, trustDeviceAdded: trustDevice });
  }
}

/**
 * The gate with `two-factor.challenge-issued` after each challenge it opens (the body says which
 * methods and whether enrolment is required), so the gate itself needs no event code.
 */
export function withChallengeEvents(gate: SignInGate): SignInGate {
  return async (ctx, attempt) => {
    const answer = await gate(ctx, attempt);
    if (!("challenge" in answer)) return answer;
    const { challenge, open } = answer;
    return {
      challenge,
      open: async () => {
        await open?.();
        const methods = Array.isArray(challenge.twoFactorMethods) ? challenge.twoFactorMethods.map(String) : [];
        emit(ctx, {
          type: "two-factor.challenge-issued",
          userId: attempt.user.id,
          methods,
          enrolmentRequired: challenge.twoFactorEnrolmentRequired === true,
        });
      },
    };
  };
}
