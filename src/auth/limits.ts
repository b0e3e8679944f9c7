/**
 * Input limits: how long a free-text field may be and how deep a JSON body may nest. Every string a
 * client sends ends up in memory, in the store and often in every later get-session answer, so each has
 * a size (issue 11: 1 MiB names, images and display names were stored and returned for ever).
 *
 * Lengths count UTF-16 code units, as JavaScript's `length` and zod's `.max()` do, and a string over
 * its cap is refused at validation with Better Auth's 400 VALIDATION_ERROR wording ("Too big: expected
 * string to have <=N characters"). Configure under `advanced.limits`:
 *
 *   advanced: { limits: { fields: { name: 100, image: 4096 }, defaultStringLength: 2048, maxJsonDepth: 16 } }
 */

/** Per field name, in characters. A field's own maxLength in an endpoint schema comes first. */
export const DEFAULT_FIELD_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  name: 256,
  email: 254, // RFC 5321 4.5.3.1.3: a path is at most 256 octets, two of them the angle brackets
  image: 2048,
  username: 256, // the username plugin's own rule (3 to 30 by default) answers first for shorter ones
  displayUsername: 256,
  phoneNumber: 64, // E.164 allows 15 digits; room for formatting, which the plugin's validator may strip
  callbackURL: 2048,
  redirectTo: 2048,
  errorCallbackURL: 2048,
  newUserCallbackURL: 2048,
  issuer: 256,
  code: 64, // TOTP, OTP and backup codes are far shorter; anything longer cannot match
  id: 128,
  token: 512,
});

/** Any other string field. */
export const DEFAULT_STRING_LENGTH = 1024;

/**
 * JSON nesting (arrays and objects). Every body Better Auth's endpoints take is one flat object, so
 * 32 leaves room for plugins while refusing `[[[[...` early.
 */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/**
 * Fields capped elsewhere, by a rule with its own Better Auth error: passwords answer
 * PASSWORD_TOO_LONG against emailAndPassword.maxPasswordLength (the body size bounds them first).
 */
const OWN_RULE = new Set(["password", "newPassword", "currentPassword"]);

export interface LimitsOptions {
  /** Field name -> most characters. Merged over DEFAULT_FIELD_LIMITS. */
  fields?: Record<string, number>;
  /** Cap for string fields not named in `fields`. Default 1024. */
  defaultStringLength?: number;
  /** Deepest JSON nesting a body may have (400 above). Default 32. */
  maxJsonDepth?: number;
}

export interface Limits {
  /** The cap for a string field, or undefined for one with a rule of its own (passwords). */
  stringLength(field: string): number | undefined;
  readonly maxJsonDepth: number;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`kernia: advanced.limits.${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validated limits from `advanced.limits` (init error on a bad value). */
export function resolveLimits(options: LimitsOptions | undefined): Limits {
  const fields: Record<string, number> = { ...DEFAULT_FIELD_LIMITS };
  for (const [name, max] of Object.entries(options?.fields ?? {})) fields[name] = positiveInteger(max, `fields.${name}`);
  const fallback =
    options?.defaultStringLength === undefined
      ? DEFAULT_STRING_LENGTH
      : positiveInteger(options.defaultStringLength, "defaultStringLength");
  const maxJsonDepth = options?.maxJsonDepth === undefined ? DEFAULT_MAX_JSON_DEPTH : positiveInteger(options.maxJsonDepth, "maxJsonDepth");
  return {
    stringLength: (field) => (Object.hasOwn(fields, field) ? fields[field] : OWN_RULE.has(field) ? undefined : fallback),
    maxJsonDepth,
  };
}

export const DEFAULT_LIMITS: Limits = resolveLimits(undefined);

/** Longest error message written to a log line. */
const LOG_MESSAGE_LENGTH = 200;

/**
 * An unexpected error as one safe log entry: its name, its message escaped (control characters, CR/LF
 * and non-ASCII become \uXXXX, so request text quoted in a message, a header value say, cannot forge
 * log lines) and cut to LOG_MESSAGE_LENGTH, then its stack frames (code locations only).
 */
export function loggableError(e: unknown): string {
  if (!(e instanceof Error)) return `(a thrown ${e === null ? "null" : typeof e})`;
  const message = JSON.stringify(e.message.slice(0, LOG_MESSAGE_LENGTH)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const frames = (e.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 10);
  return [`${e.name}: ${message}${e.message.length > LOG_MESSAGE_LENGTH ? " (cut)" : ""}`, ...frames].join("\n");
}
