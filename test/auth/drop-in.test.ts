/**
 * Issue 16's core rough edges, each as Better Auth 1.7.25 behaves:
 * - auth.api with asResponse rejects when the handler throws an unexpected (non-APIError) error;
 * - APIError carries statusCode (number) and status (better-call's status name);
 * - an explicit disableOriginCheck / disableCSRFCheck: false wins over the NODE_ENV=test default;
 * - the username plugin validates only a displayUsername the client sent.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { APIError, BASE_ERROR_CODES, init, type KerniaOptions, type Plugin } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { ORIGIN, post, signUp, testAuth } from "../helpers/auth.js";

const realError = console.error;
beforeEach(() => {
  console.error = () => {};
});
afterEach(() => {
  console.error = realError;
});

describe("auth.api and unexpected errors", () => {
  test("asResponse: an unexpected error rejects with that error; an APIError still resolves to its Response", async () => {
    const boom = new Error("corrupt stored secret");
    const plugin: Plugin = {
      id: "explodes",
      endpoints: {
        explode: {
          method: "POST",
          handler: async () => {
            throw boom;
          },
        },
        refuse: {
          method: "POST",
          handler: async () => {
            throw APIError.from(400, BASE_ERROR_CODES, "BAD_REQUEST");
          },
        },
      },
    };
    const auth = testAuth({ plugins: [plugin] });
    await assert.rejects(auth.api.explode({ asResponse: true }), (e: unknown) => e === boom);
    const refused: Response = await auth.api.refuse({ asResponse: true });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), { message: "Bad request", code: "BAD_REQUEST" });
  });
});

describe("APIError matches better-call's error object", () => {
  test("statusCode is the number, status the name; body and message as sent", async () => {
    const auth = testAuth();
    await auth.api.signUpEmail({ body: { name: "A", email: "a@example.com", password: "password1234" } });
    await assert.rejects(auth.api.signInEmail({ body: { email: "a@example.com", password: "wrong-password" } }), (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.equal(e.statusCode, 401);
      assert.equal(e.status, "UNAUTHORIZED");
      assert.deepEqual(e.body, { message: "Invalid email or password", code: "INVALID_EMAIL_OR_PASSWORD" });
      assert.equal(e.message, "Invalid email or password");
      return true;
    });
    // @ts-expect-error a body of the wrong shape: the run-time validation answers it
    await assert.rejects(auth.api.signInEmail({ body: { email: 1 } }), {
      statusCode: 400,
      status: "BAD_REQUEST",
      code: "VALIDATION_ERROR",
    });
    await assert.rejects(auth.api.signUpEmail({ body: { name: "A", email: "a@example.com", password: "password1234" } }), {
      statusCode: 422,
      status: "UNPROCESSABLE_ENTITY",
    });
    const limited = new APIError(429, null, "Too many requests. Please try again later.");
    assert.equal(limited.status, "TOO_MANY_REQUESTS");
    assert.equal(limited.statusCode, 429);
    assert.equal(APIError.from(503, BASE_ERROR_CODES, "INTERNAL_SERVER_ERROR").status, "SERVICE_UNAVAILABLE");
    assert.equal(APIError.from(403, BASE_ERROR_CODES, "INVALID_ORIGIN").status, "FORBIDDEN");
  });
});

describe("an explicit option wins over the NODE_ENV=test default", () => {
  let env: string | undefined;
  beforeEach(() => {
    env = process.env.NODE_ENV;
    process.env.NODE_ENV = "test";
  });
  afterEach(() => {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  });

  test("disableOriginCheck: false checks callbackURL under NODE_ENV=test (403 INVALID_CALLBACK_URL)", async () => {
    const body = { email: "a@example.com", password: "password1234", callbackURL: "http://malicious.com" };
    const checked = testAuth({ advanced: { disableOriginCheck: false } });
    await signUp(checked, { name: "A", email: "a@example.com", password: "password1234" });
    const res = await post(checked, "/sign-in/email", body);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { message: "Invalid callbackURL", code: "INVALID_CALLBACK_URL" });

    const byDefault = testAuth();
    await signUp(byDefault, { name: "A", email: "a@example.com", password: "password1234" });
    assert.equal((await post(byDefault, "/sign-in/email", body)).status, 200, "the test default still skips it");
  });

  test("disableCSRFCheck: false checks the Origin under NODE_ENV=test (403 INVALID_ORIGIN)", async () => {
    const checked = testAuth({ advanced: { disableCSRFCheck: false } });
    const { cookie } = await signUp(checked);
    const res = await post(checked, "/sign-out", {}, cookie, { origin: "https://evil.example" });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { message: "Invalid origin", code: "INVALID_ORIGIN" });
    assert.equal((await post(checked, "/sign-out", {}, cookie, { origin: ORIGIN })).status, 200);

    const byDefault = testAuth();
    const other = await signUp(byDefault);
    assert.equal((await post(byDefault, "/sign-out", {}, other.cookie, { origin: "https://evil.example" })).status, 200);
  });
});

describe("username plugin: displayUsername validation", () => {
  const noDots = (name: string) => !name.includes(".");

  test("a displayUsername inferred from username is not run through displayUsernameValidator", async () => {
    const auth = testAuth({ plugins: [username({ displayUsernameValidator: noDots })] });
    const up = await signUp(auth, { name: "V", email: "v@example.com", password: "password1234", username: "valid.username" });
    assert.equal(up.status, 200, JSON.stringify(up.json));
    assert.equal(up.json.user.username, "valid.username");
    assert.equal(up.json.user.displayUsername, "valid.username");
  });

  test("a displayUsername the client sent is validated", async () => {
    const auth = testAuth({ plugins: [username({ displayUsernameValidator: noDots })] });
    const up = await signUp(auth, {
      name: "V",
      email: "v@example.com",
      password: "password1234",
      username: "valid_name",
      displayUsername: "Valid.Name",
    });
    assert.equal(up.status, 400);
    assert.deepEqual(up.json, { message: "Display username is invalid", code: "INVALID_DISPLAY_USERNAME" });
  });
});

describe("unknown option keys are refused at init, naming the nearest valid key", () => {
  const secret = "s".repeat(40);
  // Built through a variable typed as the loose form, as an app without strict types would pass them.
  const options = (o: Record<string, unknown>) => o as KerniaOptions;

  test("top level, advanced, and a plugin's own block", () => {
    assert.throws(() => init(options({ secret, plugin: [] })), {
      name: "TypeError",
      message: /unknown option options\.plugin \(did you mean "plugins"\?\)/,
    });
    assert.throws(
      () => init(options({ secret, plugins: [twoFactor()], advanced: { twofactor: {} } })),
      /unknown option advanced\.twofactor \(did you mean "two-factor"\?\)/,
    );
    assert.throws(
      () => init(options({ secret, advanced: { disableOriginChecks: true } })),
      /advanced\.disableOriginChecks \(did you mean "disableOriginCheck"\?\)/,
    );
    assert.throws(
      () => init(options({ secret, plugins: [twoFactor()], advanced: { "two-factor": { otpOption: { sendOtp() {} } } } })),
      /unknown option advanced\["two-factor"\]\.otpOption \(did you mean "otpOptions"\?\)/,
    );
    assert.throws(
      () => twoFactor(options({ totpOption: {} }) as never),
      /unknown option twoFactor\(\)\.totpOption \(did you mean "totpOptions"\?\)/,
    );
  });

  test("a plugin's id is a valid advanced key only when the plugin is given; every valid key passes", () => {
    assert.throws(() => init(options({ secret, advanced: { "two-factor": {} } })), /unknown option advanced\.two-factor/);
    const auth = init({
      secret,
      appName: "A",
      plugins: [twoFactor({ issuer: "X" })],
      advanced: {
        useSecureCookies: false,
        cookiePrefix: "p",
        maxBodySize: 1000,
        "two-factor": { issuer: "Y", totpOptions: { digits: 6 } },
      },
    });
    assert.equal(auth.options.appName, "A");
  });
});
