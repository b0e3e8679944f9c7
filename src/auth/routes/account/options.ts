/**
 * The account-lifecycle options with their defaults, resolved once per instance (the one place the
 * defaults live; docs/account.md lists them).
 */
import type { AccountMail, AuthContext, User } from "../../types.js";

type Mailer = (data: AccountMail, request?: Request) => unknown;

export interface AccountSettings {
  sendResetPassword: Mailer | null;
  resetTokenTtl: number;
  revokeOnReset: boolean;
  onPasswordReset: ((data: { user: User }, request?: Request) => unknown) | null;
  sendVerificationEmail: Mailer | null;
  sendOnSignUp: boolean;
  autoSignInAfterVerification: boolean;
  verificationTtl: number;
  afterEmailVerification: ((user: User, request?: Request) => unknown) | null;
  changeEmail: boolean;
  updateEmailWithoutVerification: boolean;
  deleteUser: boolean;
  sendDeleteAccountVerification: Mailer | null;
  deleteTokenTtl: number;
  beforeDelete: ((user: User, request?: Request) => unknown) | null;
  afterDelete: ((user: User, request?: Request) => unknown) | null;
  freshAge: number;
}

const cache = new WeakMap<AuthContext, AccountSettings>();

export function accountSettings(auth: AuthContext): AccountSettings {
  let s = cache.get(auth);
  if (s !== undefined) return s;
  const o = auth.options;
  const ep = o.emailAndPassword ?? {};
  const ev = o.emailVerification ?? {};
  const del = o.user?.deleteUser ?? {};
  s = {
    sendResetPassword: ep.sendResetPassword ?? null,
    resetTokenTtl: ep.resetPasswordTokenExpiresIn ?? 3600,
    revokeOnReset: ep.revokeSessionsOnPasswordReset ?? true,
    onPasswordReset: ep.onPasswordReset ?? null,
    sendVerificationEmail: ev.sendVerificationEmail ?? null,
    sendOnSignUp: ev.sendOnSignUp ?? ep.requireEmailVerification === true,
    autoSignInAfterVerification: ev.autoSignInAfterVerification === true,
    verificationTtl: ev.expiresIn ?? 3600,
    afterEmailVerification: ev.afterEmailVerification ?? null,
    changeEmail: o.user?.changeEmail?.enabled === true,
    updateEmailWithoutVerification: o.user?.changeEmail?.updateEmailWithoutVerification === true,
    deleteUser: del.enabled === true,
    sendDeleteAccountVerification: del.sendDeleteAccountVerification ?? null,
    deleteTokenTtl: del.deleteTokenExpiresIn ?? 86400,
    beforeDelete: del.beforeDelete ?? null,
    afterDelete: del.afterDelete ?? null,
    freshAge: o.session?.freshAge ?? 86400,
  };
  cache.set(auth, s);
  return s;
}
