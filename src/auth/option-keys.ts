/**
 * Unknown option keys are refused at init(), naming the nearest valid key: a misspelt option
 * (`otpOption`, `twofactor`) would otherwise be ignored in silence and the feature it configures left
 * at its default. The key lists are checked against the option types at compile time (listOptionKeys),
 * so adding an option to a type without listing it here fails the typecheck.
 */
import type { AdvancedOptions, KerniaOptions, Plugin } from "./types.js";

/**
 * `keys` when it names every key of T exactly (a missing one is a compile error naming it), for the
 * run-time key lists of option types: `listOptionKeys<TwoFactorOptions>()(["issuer", ...])`.
 */
export function listOptionKeys<T>() {
  return <const L extends readonly (keyof T & string)[]>(
    keys: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, L[number]> }),
  ): readonly string[] => keys;
}

const TOP_LEVEL = listOptionKeys<KerniaOptions>()([
  "database",
  "secret",
  "previousSecrets",
  "baseURL",
  "basePath",
  "appName",
  "plugins",
  "trustedOrigins",
  "rateLimit",
  "emailAndPassword",
  "session",
  "emailVerification",
  "user",
  "advanced",
]);

const ADVANCED = listOptionKeys<AdvancedOptions>()([
  "useSecureCookies",
  "cookiePrefix",
  "disableCSRFCheck",
  "disableOriginCheck",
  "crypto",
  "now",
  "maxBodySize",
  "allowWeakSecret",
  "limits",
  "ipAddress",
]);

/** Edit distance (Levenshtein), case-insensitive: "twofactor" is 1 from "two-factor". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

function nearest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Throws a TypeError for the first own key of `value` (a plain object) that is not in `valid`. */
export function assertKnownKeys(where: string, value: unknown, valid: readonly string[]): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (valid.includes(key)) continue;
    const hint = nearest(key, valid);
    throw new TypeError(
      `kernia: unknown option ${where}.${key}${hint === undefined ? "" : ` (did you mean ${JSON.stringify(hint)}?)`}; valid keys: ${valid.join(", ")}`,
    );
  }
}

/** The top-level options, `advanced` (core keys and the ids of the plugins given), each plugin's block. */
export function assertOptionKeys(options: KerniaOptions, plugins: readonly Plugin[]): void {
  assertKnownKeys("options", options, TOP_LEVEL);
  const advanced = options.advanced;
  if (advanced === undefined) return;
  assertKnownKeys("advanced", advanced, [...ADVANCED, ...plugins.map((p) => p.id)]);
  const byId = new Map<string, unknown>(Object.entries(advanced));
  for (const plugin of plugins) {
    if (plugin.optionKeys !== undefined) assertKnownKeys(`advanced["${plugin.id}"]`, byId.get(plugin.id), plugin.optionKeys);
  }
}
