/**
 * The development outbox: instead of sending email, the demo keeps each message in memory and shows it at
 * GET /dev/outbox (HTML) and GET /dev/outbox.json, so a person (or the e2e test) can read the sign-in code.
 * It lists every user's codes, so it is a second factor for anyone who can read it:
 * - never mounted in production mode (NODE_ENV=production) nor with MONGODB_URI set (example/app.ts);
 * - otherwise served only to loopback clients (the connection's own address, never a header) that name
 *   a loopback host (so a page on another site cannot reach it through DNS rebinding), unless opened
 *   with KERNIA_DEMO_OUTBOX=open (a demo on a LAN or in a container); everyone else gets a 404.
 */
import type { Request } from "express";
import { Router } from "express";
import { parseIp } from "../src/auth/client-address.js";

export interface OutboxMessage {
  to: string;
  subject: string;
  otp: string;
  /** ISO-8601 time the message was recorded. */
  at: string;
}

/** Bounded so a long-running demo cannot grow without limit. */
const MAX_MESSAGES = 200;

export interface OutboxOptions {
  /** Serve every client, not only loopback ones. Default: KERNIA_DEMO_OUTBOX=open in the environment. */
  open?: boolean;
}

/** 127.0.0.0/8 or ::1 (a mapped ::ffff:127.x.y.z is folded to IPv4 by parseIp). */
export function isLoopbackAddress(address: string | undefined): boolean {
  const ip = address === undefined ? null : parseIp(address);
  if (ip === null) return false;
  if (ip.length === 4) return ip[0] === 127;
  return ip.subarray(0, 15).every((b) => b === 0) && ip[15] === 1;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The request came from this machine, to a loopback name. */
export function isLocalRequest(req: Request): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

export class Outbox {
  readonly #messages: OutboxMessage[] = [];
  readonly #open: boolean;

  constructor(options: OutboxOptions = {}) {
    this.#open = options.open ?? process.env.KERNIA_DEMO_OUTBOX === "open";
  }

  record(message: OutboxMessage): void {
    this.#messages.push(message);
    if (this.#messages.length > MAX_MESSAGES) this.#messages.shift();
  }

  /** Newest first. */
  list(): OutboxMessage[] {
    return [...this.#messages].reverse();
  }

  router(): Router {
    const router = Router();
    // Not found, rather than forbidden: a remote client learns nothing about the demo's mode.
    router.use("/dev", (req, res, next) => (this.#open || isLocalRequest(req) ? next() : res.status(404).end()));
    router.get("/dev/outbox.json", (_req, res) => {
      res.set("cache-control", "no-store").json(this.list());
    });
    router.get("/dev/outbox", (_req, res) => {
      res.set("cache-control", "no-store").type("html").send(renderOutbox(this.list()));
    });
    return router;
  }
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

function renderOutbox(messages: OutboxMessage[]): string {
  const rows = messages
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.subject)}</td>` +
        `<td class="otp">${escapeHtml(m.otp)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dev outbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/style.css"></head>
<body><main class="card wide">
<h1>Development outbox</h1>
<p class="muted">Messages the demo would have emailed, newest first. Shown only on this machine, and never in production mode.</p>
${
  messages.length === 0
    ? `<p id="outbox-empty">No messages yet.</p>`
    : `<table id="outbox"><thead><tr><th>Sent</th><th>To</th><th>Subject</th><th>Code</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
}
<p><a href="/">Back to the demo</a></p>
</main></body></html>
`;
}
