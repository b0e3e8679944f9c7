/**
 * `phoneNumber(options?)`: a phone number at sign-up (E.164, unique) and POST /sign-in/phone-number
 * with {phoneNumber, password, rememberMe?}. Error codes and the {token, user} answer follow Better
 * Auth 1.7.25's phone-number plugin. Deliberate difference: Better Auth only lets a number be set by
 * verifying it with an SMS OTP; Kernia accepts it at sign-up and keeps `phoneNumberVerified: false`
 * (OTP verification of the number itself is not implemented). A user who signs up without a number has
 * no phoneNumberVerified at all (`null` in responses), as on Better Auth: its schema gives the field no
 * default, and its user-create hook writes `false` only for a row that comes with an unverified number.
 */
import { APIError, defineEndpoint, passwordSignIn, type Plugin, type User } from "../../auth/plugin-api.js";

declare module "../../auth/types.js" {
  interface PluginUserFields {
    /** E.164 by default; unique. */
    phoneNumber?: string | null;
    /** false once a number is set without verification; absent (null in responses) for a user without one. */
    phoneNumberVerified?: boolean | null;
  }
}

export const PHONE_NUMBER_ERROR_CODES = {
  INVALID_PHONE_NUMBER: "Invalid phone number",
  PHONE_NUMBER_EXIST: "Phone number already exists",
  PHONE_NUMBER_NOT_EXIST: "phone number isn't registered",
  INVALID_PHONE_NUMBER_OR_PASSWORD: "Invalid phone number or password",
  UNEXPECTED_ERROR: "Unexpected error",
  PHONE_NUMBER_NOT_VERIFIED: "Phone number not verified",
} as const;
export type PhoneNumberErrorCode = keyof typeof PHONE_NUMBER_ERROR_CODES;

export interface PhoneNumberOptions {
  /** Default: E.164, "+" then 2 to 15 digits, no leading zero (ITU-T E.164 section 6). */
  phoneNumberValidator?: (phoneNumber: string) => boolean | Promise<boolean>;
  /** Refuse password sign-in until phoneNumberVerified is true. Default false. */
  requireVerification?: boolean;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const err = (status: number, code: PhoneNumberErrorCode) => APIError.from(status, PHONE_NUMBER_ERROR_CODES, code);

export function phoneNumber(options: PhoneNumberOptions = {}) {
  const valid = options.phoneNumberValidator ?? ((p: string) => E164.test(p));
  return {
    id: "phone-number",
    schema: {
      user: {
        fields: {
          phoneNumber: { type: "string", unique: true, input: true },
          // `input` only so that sign-up copies the value the hook below sets; what a client sends for it
          // is replaced there, on every sign-up.
          phoneNumberVerified: { type: "boolean", input: true },
        },
      },
    },
    uniqueErrors: { "user.phoneNumber": () => err(400, "PHONE_NUMBER_EXIST") },
    hooks: {
      before: [
        {
          // Every sign-up: phoneNumberVerified is false with a number and absent without one, whatever the
          // body said (Better Auth refuses a client-set value; a number given here is never verified).
          matches: (ctx) => ctx.path === "/sign-up/email",
          async handler(ctx) {
            const phone = ctx.body.phoneNumber;
            if (phone === undefined) {
              delete ctx.body.phoneNumberVerified;
              return;
            }
            ctx.body.phoneNumberVerified = false;
            if (typeof phone !== "string" || !(await valid(phone))) throw err(400, "INVALID_PHONE_NUMBER");
            const taken = await ctx.auth.store.findOne("user", [{ field: "phoneNumber", value: phone }]);
            if (taken) throw err(400, "PHONE_NUMBER_EXIST");
          },
        },
      ],
    },
    endpoints: {
      signInPhoneNumber: defineEndpoint({
        method: "POST",
        path: "/sign-in/phone-number",
        body: {
          phoneNumber: { type: "string" },
          password: { type: "string" },
          rememberMe: { type: "boolean", optional: true },
        },
        async handler(ctx) {
          const { phoneNumber: phone, password, rememberMe } = ctx.body;
          if (!(await valid(phone))) throw err(400, "INVALID_PHONE_NUMBER");
          ctx.auth.passwords.assertLength(password, "existing");
          const user = await ctx.auth.store.findOne<User>("user", [{ field: "phoneNumber", value: phone }]);
          if (user !== null && options.requireVerification && user.phoneNumberVerified !== true) {
            throw err(401, "PHONE_NUMBER_NOT_VERIFIED");
          }
          const result = await passwordSignIn(ctx, user, password, {
            rememberMe,
            invalid: () => err(401, "INVALID_PHONE_NUMBER_OR_PASSWORD"),
          });
          if ("challenge" in result) return result.challenge;
          return { token: result.session.session.token, user: ctx.auth.publicUser(result.session.user) };
        },
      }),
    },
  } satisfies Plugin;
}
