/**
 * Against DNS rebinding: a dashboard without a token trusts that only this
 * machine reaches it, but a web page the user opens can point its own name
 * at 127.0.0.1 and read the answers, its requests then carrying that name in
 * the Host header. Without a token the dashboard answers only Host headers
 * that name this machine (localhost, 127.0.0.0/8, [::1], any port) or one of
 * the names configured in dashboard.hostNames.
 * (https://en.wikipedia.org/wiki/DNS_rebinding)
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from './access-token.js';

/** The host name of a Host header, without its port and brackets, lower case; '' when there is none. */
export function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](:\d*)?$/.exec(h);
  if (bracketed) return bracketed[1];
  const colon = h.lastIndexOf(':');
  // A name or IPv4 address with a port has one colon; more than one is a bare IPv6 address.
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** True when a Host header may be answered without a token. */
export function hostAllowed(header: string | undefined, extraNames: readonly string[] = []): boolean {
  const name = hostName(header);
  if (name === '') return false;
  return isLoopback(name) || extraNames.some((n) => n.trim().toLowerCase() === name);
}

export function requireLocalHost(extraNames: readonly string[] = []) {
  return async function checkHost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (hostAllowed(request.headers.host, extraNames)) return undefined;
    return reply.code(403).type('text/plain; charset=utf-8')
      .send(`403: this dashboard has no access token, so it answers only requests addressed to this machine (localhost, 127.0.0.1, [::1]), not to ${JSON.stringify(hostName(request.headers.host))}; add the name to dashboard.hostNames, or set dashboard.token\n`);
  };
}
