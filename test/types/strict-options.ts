/**
 * Type-level checks, compiled by `npm run typecheck` (tsc --strict over test/), never run: the option
 * and auth.api types a strict TypeScript app relies on. Each `@ts-expect-error` line must fail to
 * compile; if the types ever accept it, the directive itself becomes the error.
 */
import { init, listOptionKeys, type PublicUser } from "../../src/index.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";

const sent: string[] = [];

export function quickStart() {
  return init({
    database: memoryAdapter(),
    plugins: [twoFactor(), username()],
    advanced: {
      "two-factor": {
        issuer: "Acme",
        otpOptions: {
          // Parameters typed from OtpOptions.sendOtp (no implicit any under --strict, TS7031).
          sendOtp: async ({ user, otp }, ctx) => {
            const email: string = user.email;
            const enabled: boolean | undefined = user.twoFactorEnabled;
            const path: string = ctx.path;
            // @ts-expect-error otp is a string (the parameter is typed, not any)
            const digits: number = otp;
            sent.push(String(digits));
            sent.push(`${email} ${otp} ${enabled} ${path}`);
          },
        },
      },
    },
  });
}

export function misspelt() {
  init({
    plugins: [twoFactor()],
    advanced: {
      // @ts-expect-error "twofactor" is not a plugin id (it is "two-factor")
      twofactor: { issuer: "Acme" },
    },
  });
  init({
    plugins: [twoFactor()],
    advanced: {
      "two-factor": {
        // @ts-expect-error "otpOption" is not an option (it is "otpOptions")
        otpOption: { period: 5 },
      },
    },
  });
  // @ts-expect-error twoFactor() options are typed too
  twoFactor({ totpOption: { digits: 8 } });
  // @ts-expect-error a top-level key that does not exist
  init({ plugin: [] });
  // @ts-expect-error an advanced key that does not exist
  init({ advanced: { disableOriginChecks: true } });
}

export async function typedApi() {
  const auth = init({ plugins: [username()] });
  const up = await auth.api.signUpEmail({ body: { name: "A", email: "a@example.com", password: "password1234", username: "alice" } });
  if (up.user !== undefined) {
    const user: PublicUser = up.user;
    const name: string | undefined = user.username;
    sent.push(String(name));
  }
  const signedIn = await auth.api.signInUsername({ body: { username: "alice", password: "password1234" } });
  // A gate may answer a challenge instead of a session: `token` is undefined then.
  const token: string | undefined = signedIn.token;
  const available: { available: boolean } = await auth.api.isUsernameAvailable({ body: { username: "bob" } });
  const session = await auth.api.getSession({ headers: { cookie: `better-auth.session_token=${token}` } });
  const userId: string | undefined = session?.session.userId;
  const response: Response = await auth.api.signOut({ asResponse: true });
  sent.push(String(available.available), String(userId), String(response.status));

  // @ts-expect-error the body is required and typed
  await auth.api.signInEmail({});
  // @ts-expect-error password is a string
  await auth.api.signInEmail({ body: { email: "a@example.com", password: 1234 } });
  // @ts-expect-error no such endpoint without the phone-number plugin
  await auth.api.signInPhoneNumber({ body: { phoneNumber: "+15555550100", password: "x" } });
}

interface Example {
  a?: number;
  b?: string;
}
export const complete = listOptionKeys<Example>()(["a", "b"]);
// @ts-expect-error a key of the type is missing from the list
export const incomplete = listOptionKeys<Example>()(["a"]);
