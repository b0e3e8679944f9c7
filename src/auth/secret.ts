/**
 * The server secret: it signs every cookie, so a known secret lets anyone forge a session cookie.
 * Production refuses to start without a real one; development gets a fixed one and a loud warning.
 */

/** Public, so never acceptable in production. */
export const DEV_SECRET = "kernia-development-secret-do-not-use-in-production";
/** Better Auth's documented placeholder, also refused in production. */
const KNOWN_DEFAULTS = new Set([DEV_SECRET, "better-auth-secret-123456789", "better-auth-secret-12345678901234567890"]);

/** Better Auth 1.7.25's thresholds (context/create-context validateSecret): both only warn there. */
export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_ENTROPY_BITS = 120;

/**
 * Better Auth's entropy estimate: length * log2(distinct characters), the bits of a string whose
 * characters were drawn uniformly from its own alphabet. It only catches the obviously weak (a word,
 * a repeated pattern); a long passphrase passes it and is still guessable, so it is a floor, not proof.
 * (Better Auth computes log2(unique ** length), which is Infinity past ~400 characters; same value.)
 */
export function estimateEntropyBits(secret: string): number {
  const unique = new Set(secret).size;
  return unique <= 1 ? 0 : secret.length * Math.log2(unique);
}

/** Why `secret` is too weak to sign session cookies, or null. Never quotes the secret. */
export function secretWeakness(secret: string): string | null {
  if (secret.length < MIN_SECRET_LENGTH) return `it is ${secret.length} characters long (at least ${MIN_SECRET_LENGTH} needed)`;
  const bits = estimateEntropyBits(secret);
  if (bits < MIN_SECRET_ENTROPY_BITS)
    return `it looks low-entropy (about ${Math.floor(bits)} bits by Better Auth's estimate, at least ${MIN_SECRET_ENTROPY_BITS} needed)`;
  return null;
}

const warned = new Set<string>();

/**
 * The secret in use. Production refuses a missing or public one, and a weak one (secretWeakness)
 * unless `allowWeakSecret` (advanced.allowWeakSecret) says the deployment knows; elsewhere a weak
 * secret gets one warning per process.
 */
export function resolveSecret(configured: string | undefined, env: NodeJS.ProcessEnv = process.env, allowWeakSecret = false): string {
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
  const weakness = secretWeakness(secret);
  if (weakness !== null) {
    const advice = "Anyone who guesses it can forge session cookies. Generate one with `openssl rand -base64 32`.";
    if (production && !allowWeakSecret) {
      throw new Error(
        `kernia: refusing to start in production with a weak secret: ${weakness}. ${advice} ` +
          "(To run with it anyway, set advanced.allowWeakSecret: true.)",
      );
    }
    if (!warned.has(secret)) {
      warned.add(secret);
      console.warn(`kernia: warning: the configured secret is weak: ${weakness}. ${advice}`);
    }
  }
  return secret;
}

/**
 * options.previousSecrets: retired secrets, newest first, still accepted when reading (cookie signatures,
 * and whatever plugins derive from the secret) but never used to write. Validated here, at init: each a
 * non-empty string, none repeated or equal to the current secret (a copy would only cost a wasted check
 * and hide a configuration mistake), and in production none of the public defaults, as for `secret`.
 */
export function resolvePreviousSecrets(configured: unknown, current: string, env: NodeJS.ProcessEnv = process.env): readonly string[] {
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
