/** Link and redirect shapes of Better Auth 1.7.25's account endpoints. */
import { checkCallbackURLs } from "../../origin.js";
import type { CoreContext } from "../../context.js";
import type { RequestContext } from "../../request-context.js";
import type { EndpointContext } from "../../types.js";

/** The auth API's public root ({baseURL}{basePath}), what Better Auth puts in mailed links. */
export function apiRoot(ctx: EndpointContext): string {
  const auth = ctx.auth;
  let origin = auth.baseURL;
  if (origin === "") {
    try {
      origin = new URL((ctx as RequestContext).source.url).origin;
    } catch {
      origin = "http://localhost";
    }
  }
  return `${origin}${auth.basePath}`;
}

/** Answer with a redirect (302, Location, empty body), as better-call's ctx.redirect does. */
export function redirect(ctx: EndpointContext, location: string): undefined {
  ctx.response.status = 302;
  ctx.response.headers.set("location", location);
  return undefined;
}

/** `url` resolved against the API root with `params` set (Better Auth's redirectCallback). */
export function withParams(ctx: EndpointContext, url: string, params: Record<string, string>): string {
  const u = new URL(url, apiRoot(ctx));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

/**
 * The GET endpoints' callbackURL must be trusted too (the pipeline checks POST bodies only): a mailed
 * link must not become an open redirect carrying the token to another site.
 */
export async function checkQueryCallback(ctx: EndpointContext): Promise<void> {
  const auth = ctx.auth as CoreContext;
  if (ctx.isServerCall || auth.settings.skipOriginCheck) return;
  const source = (ctx as RequestContext).source;
  checkCallbackURLs(undefined, ctx.query, await auth.trustedOrigins(source));
}
