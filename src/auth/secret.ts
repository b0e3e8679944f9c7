/**
 * The server secret: it signs every cookie, so a known secret lets anyone forge a session cookie.
 * Production refuses to start without a real one; development gets a fixed one and a loud warning.
 */

/** Public, so never acceptable in production. */
export const DEV_SECRET = "kernia-development-secret-do-not-use-in-production";
/** Better Auth's documented placeholder, also refused in production. */
const KNOWN_DEFAULTS = new Set([DEV_SECRET, "better-auth-secret-123456789", "better-auth-secret-12345678901234567890"]);

export function resolveSecret(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const secret = configured || env.KERNIA_SECRET || env.BETTER_AUTH_SECRET || env.AUTH_SECRET;
  const production = env.NODE_ENV === "production";
  if (production && (!secret || KNOWN_DEFAULTS.has(secret))) {
    throw new Error(
      "kernia: a secret is required in production. Set options.secret or the KERNIA_SECRET environment variable " +
        "to a long random string (for example `openssl rand -base64 32`).",
    );
  }
  if (!secret) {
    console.warn("kernia: no secret configured (options.secret / KERNIA_SECRET); using a fixed development secret. Never deploy this.");
    return DEV_SECRET;
  }
  return secret;
}

/**
 * options.previousSecrets: retired secrets, newest first, still accepted when reading (cookie signatures,
 * and whatever plugins derive from the secret) but never used to write. Validated here, at init: each a
 * non-empty string, none repeated or equal to the current secret (a copy would only cost a wasted check
 * and hide a configuration mistake), and in production none of the public defaults, as for `secret`.
 */
export function resolvePreviousSecrets(
  configured: unknown,
  current: string,
  env: NodeJS.ProcessEnv = process.env,
): readonly string[] {
  if (configured === undefined) return [];
  if (!Array.isArray(configured)) throw new Error("kernia: previousSecrets must be an array of strings");
  const seen = new Set<string>([current]);
  for (const [i, s] of configured.entries()) {
    if (typeof s !== "string" || s === "") throw new Error(`kernia: previousSecrets[${i}] must be a non-empty string`);
    if (s === current) throw new Error(`kernia: previousSecrets[${i}] is the current secret; list only retired secrets`);
    if (seen.has(s)) throw new Error(`kernia: previousSecrets[${i}] is listed twice`);
    if (env.NODE_ENV === "production" && KNOWN_DEFAULTS.has(s)) {
      throw new Error(`kernia: previousSecrets[${i}] is a public default secret; it cannot be accepted in production`);
    }
    seen.add(s);
  }
  return Object.freeze([...configured] as string[]);
}
