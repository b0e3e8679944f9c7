/**
 * A tiny cookie jar for tests: stores Set-Cookie lines (Max-Age=0 deletes), sends them back as a
 * Cookie header. Path/Domain/Secure are ignored: one jar per test client, one server.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Take every Set-Cookie line of a fetch Response, supertest response, or a raw list. */
  store(source: Response | { headers: Record<string, unknown> } | readonly string[] | undefined): void {
    for (const line of setCookieLines(source)) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header value ("" when empty). */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** Set-Cookie lines from a fetch Response, a supertest response, or a list. */
export function setCookieLines(source: Response | { headers: Record<string, unknown> } | readonly string[] | undefined): string[] {
  if (source === undefined) return [];
  if (Array.isArray(source)) return [...source];
  if (source instanceof Response) return source.headers.getSetCookie();
  const raw = (source as { headers: Record<string, unknown> }).headers["set-cookie"];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw.map(String) : [String(raw)];
}
