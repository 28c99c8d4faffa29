/**
 * The dashboard's access token: which hosts may go without one, and a
 * constant-time comparison. Both sides are hashed first, so the comparison
 * takes the same time whatever the lengths (timingSafeEqual itself needs
 * equal lengths, and returning early on a length mismatch would leak it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `given` equals `expected`, in time that does not depend on where they differ. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined || expected === '') return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The cookie value that stands for the token once a browser has shown it:
 * derived, so the cookie jar never holds the token itself (which also works
 * as a Bearer token for scripts).
 */
export function cookieValue(token: string): string {
  return createHash('sha256').update(`bnviz-dashboard-cookie\n${token}`, 'utf8').digest('hex');
}

/** Addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
