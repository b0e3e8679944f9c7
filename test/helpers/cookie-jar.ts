/**
 * The one cookie jar for tests: a Map of cookie name to value that takes Set-Cookie lines and gives
 * back a Cookie header. A line with Max-Age=0 or an empty value deletes the cookie (how Kernia expires
 * one: RFC 6265 section 5.3 step 11 evicts a cookie whose expiry has passed). Path, Domain and Secure
 * are ignored: one jar per test client, one server.
 */
export class CookieJar extends Map<string, string> {
  /** Take every Set-Cookie line of a fetch Response, a supertest response, or a raw list. */
  store(source: SetCookieSource): void {
    for (const line of setCookieLines(source)) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === "" || attrs.some((a) => /^max-age=0$/i.test(a))) this.delete(name);
      else this.set(name, value);
    }
  }

  /** The Cookie header value ("" when empty). */
  header(): string {
    return [...this].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  copy(): CookieJar {
    return new CookieJar(this);
  }
}

export type SetCookieSource = Response | { headers: Record<string, unknown> } | readonly string[] | undefined;

/** Set-Cookie lines from a fetch Response, a supertest response, or a list. */
export function setCookieLines(source: SetCookieSource): string[] {
  if (source === undefined) return [];
  if (Array.isArray(source)) return [...source];
  if (source instanceof Response) return source.headers.getSetCookie();
  const raw = (source as { headers: Record<string, unknown> }).headers["set-cookie"];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw.map(String) : [String(raw)];
}

/**
 * A fetch for the official client (`fetchOptions.customFetchImpl`) that behaves like a browser on
 * `origin`: sends the jar's cookies and an Origin header, stores every Set-Cookie line it gets back.
 */
export function jarFetch(jar: CookieJar, origin: string, headers: Record<string, string> = {}, init: RequestInit = {}): typeof fetch {
  return async (input, requestInit) => {
    const sent = new Headers(requestInit?.headers);
    const cookie = jar.header();
    if (cookie) sent.set("cookie", cookie);
    sent.set("origin", origin);
    for (const [k, v] of Object.entries(headers)) sent.set(k, v);
    const res = await fetch(input, { ...requestInit, ...init, headers: sent });
    jar.store(res);
    return res;
  };
}
