/**
 * The demo's account-lifecycle mail: reset, verification and delete-confirmation links go to the dev
 * outbox (GET /dev/outbox.json: `to`, `subject` saying "reset" / "verify" / "delete", `url`, `token`),
 * and account deletion and email change are on. In production there is no outbox and no mailer: the
 * link is dropped and only the fact is logged, never the link (it opens the account).
 */
import { Router } from "express";
import { join } from "node:path";
import type { AccountMail, KerniaOptions } from "../src/auth/types.js";
import type { Outbox, OutboxMessage } from "./outbox.js";

/** An outbox entry for a link; `otp` stays empty (the outbox was made for codes). */
export type LinkMessage = OutboxMessage & { url: string; token: string };

export function accountMail(
  outbox: Outbox | null,
  appName: string,
  now: () => number,
  log: (line: string) => void,
): Pick<KerniaOptions, "emailAndPassword" | "emailVerification" | "user"> {
  const send =
    (subject: string) =>
    ({ user, url, token }: AccountMail) => {
      if (!outbox) {
        log(`[demo] no mailer is configured: the ${subject.toLowerCase()} link for user ${user.id} was not sent`);
        return;
      }
      const message: LinkMessage = {
        to: user.email,
        subject: `${appName}: ${subject}`,
        otp: "",
        url,
        token,
        at: new Date(now()).toISOString(),
      };
      outbox.record(message);
    };
  return {
    emailAndPassword: { sendResetPassword: send("Reset your password") },
    emailVerification: { sendVerificationEmail: send("Verify your email address") },
    user: {
      changeEmail: { enabled: true },
      deleteUser: { enabled: true, sendDeleteAccountVerification: send("Confirm deleting your account") },
    },
  };
}

/** GET /account (the account page) and /account.js, from example/web. */
export function accountPage(webDir: string): Router {
  const router = Router();
  router.get("/account", (_req, res) => res.sendFile(join(webDir, "account.html")));
  router.get("/account.js", (_req, res) => res.type("text/javascript").sendFile(join(webDir, "account.js")));
  return router;
}
