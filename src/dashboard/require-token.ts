/**
 * A fastify onRequest hook that lets a request through only with the access
 * token: `Authorization: Bearer <token>`, `?token=<token>`, or the HttpOnly
 * cookie set when the token came in the query (so the page's own requests,
 * its images and Bull Board's scripts carry it without the token in every
 * URL). Registered on the root instance, it runs before every route, Bull
 * Board's and the not-found handler included.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieValue, tokenMatches } from './access-token.js';

export const TOKEN_COOKIE = 'bnviz_dashboard';

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : undefined;
}

function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

/**
 * The URL without its `token` parameter, for the redirect that takes the
 * token out of the address bar. Always a path on this server: leading
 * slashes and backslashes become one slash, since a Location of
 * `//evil.example/` (or `/\evil.example/`) would send the browser to
 * another host.
 */
export function withoutToken(url: string): string {
  const q = url.indexOf('?');
  const path = `/${(q < 0 ? url : url.slice(0, q)).replace(/^[/\\]+/, '')}`;
  if (q < 0) return path;
  const params = new URLSearchParams(url.slice(q + 1));
  params.delete('token');
  const rest = params.toString();
  return `${path}${rest ? `?${rest}` : ''}`;
}

/** @param open paths answered without the token (exact, no query) */
export function requireToken(token: string, open: readonly string[] = []) {
  const cookie = cookieValue(token);
  return async function checkToken(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (request.method === 'GET' && open.includes(request.url)) return undefined;
    if (tokenMatches(bearer(request.headers.authorization), token)) return undefined;
    if (tokenMatches(readCookie(request.headers.cookie, TOKEN_COOKIE), cookie)) return undefined;
    if (tokenMatches(queryToken(request.url), token)) {
      reply.header('set-cookie', `${TOKEN_COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/`);
      // A page opened with ?token= moves to the same address without it, so the
      // token does not stay in the address bar, the history or a bookmark.
      if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
        return reply.redirect(withoutToken(request.url), 303);
      }
      return undefined;
    }
    reply.header('www-authenticate', 'Bearer realm="bnviz dashboard"');
    return reply.code(401).type('text/plain; charset=utf-8').send('401: this dashboard needs its access token (Authorization: Bearer <token>, or ?token=<token> once in the browser)\n');
  };
}
