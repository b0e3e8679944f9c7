/**
 * Kernia servers for the account tests: the scenario's options mapped onto Kernia's (same names as
 * Better Auth's), with mail callbacks that record into an outbox.
 */
import { init } from "../../src/auth/init.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";
import type { Mail, SectionOptions, Server } from "../../scripts/capture/scenario.js";
import { BASE_URL, SECRET } from "../../scripts/capture/scenario.js";

export function kerniaOptions(options: SectionOptions, mails: Mail[], extra: KerniaOptions = {}): KerniaOptions {
  const ep = options.emailAndPassword ?? {};
  const ev = options.emailVerification ?? {};
  const del = options.user?.deleteUser;
  return {
    secret: SECRET,
    baseURL: BASE_URL,
    ...extra,
    emailAndPassword: {
      requireEmailVerification: ep.requireEmailVerification,
      revokeSessionsOnPasswordReset: ep.revokeSessionsOnPasswordReset,
      sendResetPassword:
        ep.sendResetPassword === false
          ? undefined
          : ({ user, url, token }) => void mails.push({ kind: "reset-password", to: user.email, url, token }),
      ...extra.emailAndPassword,
    },
    emailVerification: {
      sendOnSignUp: ev.sendOnSignUp,
      autoSignInAfterVerification: ev.autoSignInAfterVerification,
      sendVerificationEmail: ({ user, url, token }) => void mails.push({ kind: "verify-email", to: user.email, url, token }),
      ...extra.emailVerification,
    },
    user: {
      changeEmail: options.user?.changeEmail,
      deleteUser: del && {
        enabled: del.enabled,
        sendDeleteAccountVerification: del.sendDeleteAccountVerification
          ? ({ user, url, token }) => void mails.push({ kind: "delete-account", to: user.email, url, token })
          : undefined,
      },
      ...extra.user,
    },
  };
}

export function kerniaServer(options: SectionOptions, extra?: KerniaOptions): Server & { auth: Kernia } {
  const mails: Mail[] = [];
  const auth = init(kerniaOptions(options, mails, extra));
  // Better Auth reads the client from X-Forwarded-For; Kernia from the connection (docs/security.md).
  // The scenarios' clients connect from the address their header names, so both record the same one.
  const peer = (r: Request) => r.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || undefined;
  return { handler: (r) => auth.handler(r, { remoteAddress: peer(r) }), mails, auth };
}

/** Rows of every model that belong to the user, by model (the user row itself under "user"). */
export async function rowsOf(auth: Kernia, userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [model, def] of Object.entries(auth.context.schema)) {
    const where =
      model === "user" ? [{ field: "id", value: userId }] : "userId" in def.fields ? [{ field: "userId", value: userId }] : null;
    if (where) out[model] = await auth.context.store.count(model, where);
  }
  return out;
}
