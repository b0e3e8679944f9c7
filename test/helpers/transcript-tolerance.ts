/**
 * Shared tolerance of the transcript replays (test/account/transcripts.test.ts,
 * test/docs/transcripts.test.ts): Better Auth's captures run on its memory adapter, which leaves unset
 * user fields out, while Kernia returns them as `null` (Better Auth's SQL shape,
 * test/shape/better-auth-sqlite.test.ts). Deletes, in place, every `null` field of each user object
 * (an object with a string `email` and an `emailVerified`) anywhere inside `v`.
 */
export function withoutNullUserFields(v: unknown): void {
  if (Array.isArray(v)) {
    for (const item of v) withoutNullUserFields(item);
    return;
  }
  if (v === null || typeof v !== "object") return;
  const o = v as Record<string, unknown>;
  if (typeof o.email === "string" && "emailVerified" in o) for (const k of Object.keys(o)) if (o[k] === null) delete o[k];
  for (const child of Object.values(o)) withoutNullUserFields(child);
}
