/**
 * The development outbox: instead of sending email, the demo keeps each message in memory and shows it at
 * GET /dev/outbox (HTML) and GET /dev/outbox.json, so a person (or the e2e test) can read the sign-in code.
 * Never mounted when NODE_ENV=production: it would hand second factors to anyone who asks.
 */
import { Router } from "express";

export interface OutboxMessage {
  to: string;
  subject: string;
  otp: string;
  /** ISO-8601 time the message was recorded. */
  at: string;
}

/** Bounded so a long-running demo cannot grow without limit. */
const MAX_MESSAGES = 200;

export class Outbox {
  readonly #messages: OutboxMessage[] = [];

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
<p class="muted">Messages the demo would have emailed, newest first. Not available when NODE_ENV=production.</p>
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
