/**
 * Errors that reach HTTP. Every 4xx/5xx body is `{message, code}` (key order as Better Auth sends it),
 * except the two Better Auth answers that carry no code (rate limiter, backup-code write race), which
 * are built with `code: null`. Anything thrown that is not an APIError becomes a 500 with a generic
 * body; its details are never sent to the client.
 */

export const BASE_ERROR_CODES = {
  UNAUTHORIZED: "Unauthorized",
  INVALID_PASSWORD: "Invalid password",
  INVALID_EMAIL_OR_PASSWORD: "Invalid email or password",
  INVALID_EMAIL: "Invalid email",
  PASSWORD_TOO_SHORT: "Password too short",
  PASSWORD_TOO_LONG: "Password too long",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "User already exists. Use another email.",
  EMAIL_NOT_VERIFIED: "Email not verified",
  EMAIL_PASSWORD_DISABLED: "Email and password is not enabled",
  EMAIL_PASSWORD_SIGN_UP_DISABLED: "Email and password sign up is not enabled",
  FAILED_TO_CREATE_USER: "Failed to create user",
  FAILED_TO_CREATE_SESSION: "Failed to create session",
  FAILED_TO_GET_SESSION: "Failed to get session",
  INVALID_ORIGIN: "Invalid origin",
  MISSING_OR_NULL_ORIGIN: "Missing or null Origin",
  CROSS_SITE_NAVIGATION_LOGIN_BLOCKED: "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
  INVALID_CALLBACK_URL: "Invalid callbackURL",
  INVALID_REDIRECT_URL: "Invalid redirectURL",
  INVALID_ERROR_CALLBACK_URL: "Invalid errorCallbackURL",
  INVALID_NEW_USER_CALLBACK_URL: "Invalid newUserCallbackURL",
  METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED: "POST method requires deferSessionRefresh to be enabled in session config",
  BAD_REQUEST: "Bad request",
  PAYLOAD_TOO_LARGE: "Request body is too large",
  INTERNAL_SERVER_ERROR: "Internal server error",
  /** Message is built per request (it names the content type); this entry is the fallback. */
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  /** Message is the joined zod-style issues; this entry is the fallback. */
  VALIDATION_ERROR: "Validation error",
} as const;

/** Better Auth's rate-limit answer (429, no `code`). */
export const RATE_LIMIT_MESSAGE = "Too many requests. Please try again later.";

export type BaseErrorCode = keyof typeof BASE_ERROR_CODES;

/** better-call's status names (its `statusCodes` table), by number: what `APIError.status` holds. */
const STATUS_NAMES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  402: "PAYMENT_REQUIRED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  406: "NOT_ACCEPTABLE",
  408: "REQUEST_TIMEOUT",
  409: "CONFLICT",
  410: "GONE",
  411: "LENGTH_REQUIRED",
  412: "PRECONDITION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  414: "URI_TOO_LONG",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_ENTITY",
  423: "LOCKED",
  428: "PRECONDITION_REQUIRED",
  429: "TOO_MANY_REQUESTS",
  431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
  500: "INTERNAL_SERVER_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

/**
 * The error answer of an endpoint, shaped like better-call's APIError (which Better Auth throws from
 * its server API): `statusCode` the HTTP status, `status` its name ("BAD_REQUEST"), `body`
 * `{message, code}`, `headers`; plus `code` for switching on without reading the body.
 */
export class APIError extends Error {
  readonly statusCode: number;
  /** better-call's name for statusCode ("UNAUTHORIZED", "TOO_MANY_REQUESTS"...); the number as text when it has none. */
  readonly status: string;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  /** `code` null gives a body with only `message` (Better Auth's rate-limit and 409 race answers). */
  constructor(statusCode: number, code: string | null, message: string, headers: Record<string, string> = {}) {
    // An APIError is an answer (a wrong code, a missing session), not a fault to debug: capturing a
    // stack trace for each one cost more than the rest of a rejected request. Hence no frames
    // (`stack` is just "Error: message"); the limit is restored even if the constructor throws.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = "APIError";
    this.statusCode = statusCode;
    this.status = STATUS_NAMES[statusCode] ?? String(statusCode);
    this.code = code;
    this.headers = headers;
  }

  get body(): { message: string; code?: string } {
    return this.code === null ? { message: this.message } : { message: this.message, code: this.code };
  }

  /** An error from a code table: `APIError.from(400, BASE_ERROR_CODES, "INVALID_PASSWORD")`. */
  static from<T extends Record<string, string>>(statusCode: number, table: T, code: keyof T & string): APIError {
    return new APIError(statusCode, code, table[code]);
  }
}
