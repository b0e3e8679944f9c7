/**
 * The demo's support-desk screen: reset a user's two-factor by email, through the plugin's server-only
 * `auth.api.resetTwoFactor({ body: { userId, revokeSessions } })` (docs/two-factor-operations.md).
 *
 * It removes a second factor from any account, so it is off unless asked for (KERNIA_DEMO_ADMIN=1, or
 * createDemoApp({ admin: true })) and, when on, served only like the development outbox (example/outbox.ts):
 * to a loopback client naming a loopback host. There is no "open" switch. Everyone else, and everyone when
 * it is off, gets a 404. The reset is a plain HTML form POST (no script, so the page's CSP stays as it is);
 * a page on another site could submit such a form from this machine's browser, so the POST must carry an
 * Origin header that is the demo's own (browsers send Origin on every POST form submission, Fetch standard
 * "append a request Origin header").
 */
import express, { Router } from "express";
import type { Kernia } from "../src/auth/types.js";
import { APIError } from "../src/auth/errors.js";
import { StoreUnavailableError } from "../src/adapters/types.js";
import { escapeHtml, isLocalRequest } from "./outbox.js";

/** The longest email the core accepts is far shorter; this only caps what the form parser reads. */
const MAX_FORM_BYTES = 1024;

interface Outcome {
  status: number;
  /** "ok" or "error", for the page's banner and the test. */
  kind: "ok" | "error";
  text: string;
}

/**
 * The POST came from a page of this server: its Origin names the host the request was sent to (which
 * isLocalRequest has already required to be a loopback name). A missing or "null" Origin is refused.
 */
function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || host === undefined) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function adminRouter(auth: Kernia): Router {
  const router = Router();
  router.use("/demo/admin", (req, res, next) => (isLocalRequest(req) ? next() : res.status(404).end()));
  router.get("/demo/admin", (_req, res) => {
    res.set("cache-control", "no-store").type("html").send(renderAdmin(null));
  });
  router.post(
    "/demo/admin/reset-two-factor",
    express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: 4 }),
    async (req, res) => {
      const outcome = isSameOrigin(req.headers.origin, req.headers.host)
        ? await reset(auth, req.body)
        : { status: 403, kind: "error" as const, text: "This form only works from the demo's own page." };
      res.set("cache-control", "no-store").status(outcome.status).type("html").send(renderAdmin(outcome));
    },
  );
  return router;
}

async function reset(auth: Kernia, body: unknown): Promise<Outcome> {
  const fields = (body ?? {}) as Record<string, unknown>;
  const email = typeof fields.email === "string" ? fields.email.trim().toLowerCase() : "";
  if (email === "" || email.length > 254) return { status: 400, kind: "error", text: "Enter the email address of an account." };
  // An unticked checkbox is absent from the form: the plugin's default (revoke) is kept only when ticked.
  const revokeSessions = fields.revokeSessions === "on";
  try {
    const user = await auth.context.users.findByEmail(email);
    if (!user) return { status: 404, kind: "error", text: `No account has the email ${email}.` };
    await auth.api.resetTwoFactor({ body: { userId: user.id, revokeSessions } });
    return {
      status: 200,
      kind: "ok",
      text: `Two-factor was reset for ${email}${revokeSessions ? ", and every session of that user was signed out" : ""}.`,
    };
  } catch (error) {
    // USER_NOT_FOUND (deleted meanwhile) and an unreachable store are answers, not faults.
    if (error instanceof StoreUnavailableError) return { status: 503, kind: "error", text: "The database is unreachable. Try again." };
    if (!(error instanceof APIError)) throw error;
    return { status: error.statusCode, kind: "error", text: error.message };
  }
}

function renderAdmin(outcome: Outcome | null): string {
  const banner = outcome
    ? `<p id="admin-result" class="banner ${outcome.kind === "ok" ? "notice" : "error"}" role="status">${escapeHtml(outcome.text)}</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/style.css"></head>
<body><main class="card">
<h1>Support desk</h1>
<p class="muted">Demo only (KERNIA_DEMO_ADMIN=1), shown only on this machine. Resets a user's two-factor:
their authenticator, backup codes, trusted devices and pending sign-ins are removed. Under enforcement
they are asked to enrol again at their next sign-in.</p>
${banner}
<form id="admin-reset-form" method="post" action="/demo/admin/reset-two-factor">
  <label>Email of the account <input id="admin-email" name="email" type="email" required maxlength="254" autocomplete="off"></label>
  <label class="check"><input id="admin-revoke" name="revokeSessions" type="checkbox" checked> Also sign that user out everywhere</label>
  <button id="admin-reset" type="submit" class="danger">Reset two-factor</button>
</form>
<p><a href="/">Back to the demo</a></p>
</main></body></html>
`;
}
