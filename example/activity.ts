/**
 * The demo's "security activity": the two-factor plugin's events (its `onEvent` option), kept in memory
 * per user and served to that user only, at GET /demo/activity (the signed-in user's own list, newest first).
 *
 * Bounded, because one client can create accounts and events at will: at most MAX_USERS users are kept (the
 * one whose list changed least recently is dropped first) and MAX_EVENTS_PER_USER events per user (the
 * oldest is dropped first), and the two client-chosen strings of an event, its user agent and (behind a
 * trusted proxy) its IP address, are cut to a fixed length. Worst case a few megabytes, whatever is sent.
 * A real deployment sends these events to its log or SIEM instead; this list is lost when the demo stops.
 */
import { Router } from "express";
import type { Kernia } from "../src/auth/types.js";
import { APIError } from "../src/auth/errors.js";

/** The fields of a two-factor event the demo shows (every event has them: docs/two-factor-operations.md). */
export interface SecurityEventLike {
  type: string;
  userId: string;
  at: Date;
  ipAddress: string | null;
  userAgent: string | null;
  /** The factor of `two-factor.enabled`, `two-factor.verified` and `two-factor.failed`. */
  method?: unknown;
}

/** One row of the list as the page receives it. Never a code, secret or hash: only these fields are copied. */
export interface ActivityEntry {
  type: string;
  /** ISO-8601. */
  at: string;
  ipAddress: string | null;
  userAgent: string | null;
  method: string | null;
}

export const MAX_USERS = 500;
export const MAX_EVENTS_PER_USER = 50;
/** Longer user agents are cut: the header is the client's to choose, and servers accept 8 KB or more of it. */
export const MAX_USER_AGENT = 200;
/** An IPv6 address with a zone is at most ~50 characters; anything longer is not an address. */
const MAX_IP = 64;
const MAX_METHOD = 20;

function clip(value: unknown, max: number): string | null {
  return typeof value === "string" ? value.slice(0, max) : null;
}

export interface ActivityLogOptions {
  maxUsers?: number;
  maxEventsPerUser?: number;
}

export class ActivityLog {
  /** Map order is insertion order: a user is re-inserted on each event, so the first key is the stalest. */
  readonly #byUser = new Map<string, ActivityEntry[]>();
  readonly #maxUsers: number;
  readonly #maxEvents: number;

  constructor(options: ActivityLogOptions = {}) {
    this.#maxUsers = options.maxUsers ?? MAX_USERS;
    this.#maxEvents = options.maxEventsPerUser ?? MAX_EVENTS_PER_USER;
  }

  /** The plugin's onEvent: synchronous and unable to throw on any event shape. */
  readonly record = (event: SecurityEventLike): void => {
    if (typeof event?.userId !== "string" || typeof event.type !== "string") return;
    const at = event.at instanceof Date && !Number.isNaN(event.at.getTime()) ? event.at : new Date();
    const entry: ActivityEntry = {
      type: event.type.slice(0, 40),
      at: at.toISOString(),
      ipAddress: clip(event.ipAddress, MAX_IP),
      userAgent: clip(event.userAgent, MAX_USER_AGENT),
      method: clip(event.method, MAX_METHOD),
    };
    let list = this.#byUser.get(event.userId);
    if (list) {
      this.#byUser.delete(event.userId);
    } else {
      list = [];
      if (this.#byUser.size >= this.#maxUsers) this.#byUser.delete(this.#byUser.keys().next().value as string);
    }
    list.push(entry);
    if (list.length > this.#maxEvents) list.shift();
    this.#byUser.set(event.userId, list);
  };

  /** The user's events, newest first (a copy). */
  list(userId: string): ActivityEntry[] {
    return [...(this.#byUser.get(userId) ?? [])].reverse();
  }

  /** Users currently kept (for the bounds test). */
  get users(): number {
    return this.#byUser.size;
  }
}

/**
 * GET /demo/activity: the signed-in user's events. The user is the session's (the session cookie, checked
 * by Kernia's getSession), never a parameter, so no request can name another user's list.
 */
export function activityRouter(auth: Kernia, log: ActivityLog): Router {
  const router = Router();
  router.get("/demo/activity", async (req, res) => {
    res.set("cache-control", "no-store");
    let session: { user: { id: string } } | null;
    try {
      session = (await auth.api.getSession({ headers: { cookie: req.headers.cookie ?? "" } })) as typeof session;
    } catch (error) {
      // An unreachable store is a 503 APIError from Kernia: pass its status and body on, as its own routes do.
      if (!(error instanceof APIError)) throw error;
      res.status(error.statusCode).json({ message: error.message, code: error.code ?? error.status });
      return;
    }
    if (!session) {
      res.status(401).json({ message: "Unauthorized", code: "UNAUTHORIZED" });
      return;
    }
    res.json({ events: log.list(session.user.id) });
  });
  return router;
}
