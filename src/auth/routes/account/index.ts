/** The account-lifecycle endpoints, by Better Auth API name, for init()'s endpoint table. */
import { changePassword } from "./change-password.js";
import { deleteUser, deleteUserCallback } from "./delete-user.js";
import { sendVerificationEmail, verifyEmail } from "./email-verification.js";
import { changeEmail, updateUser } from "./profile.js";
import { requestPasswordReset, resetPassword, resetPasswordCallback } from "./password-reset.js";
import { listSessions, revokeOtherSessions, revokeSession, revokeSessions } from "./sessions.js";

// Inferred: the names stay literal, so auth.api's type names every one (CoreApi in init.ts).
export function accountEndpoints() {
  return {
    requestPasswordReset: requestPasswordReset(),
    resetPasswordCallback: resetPasswordCallback(),
    resetPassword: resetPassword(),
    changePassword: changePassword(),
    listSessions: listSessions(),
    revokeSession: revokeSession(),
    revokeSessions: revokeSessions(),
    revokeOtherSessions: revokeOtherSessions(),
    sendVerificationEmail: sendVerificationEmail(),
    verifyEmail: verifyEmail(),
    updateUser: updateUser(),
    changeEmail: changeEmail(),
    deleteUser: deleteUser(),
    deleteUserCallback: deleteUserCallback(),
  };
}
