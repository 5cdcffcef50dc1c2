import { createHash, timingSafeEqual } from 'node:crypto';

const USER = 'nanomdm';
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * NanoMDM's API authentication (§3.2): HTTP Basic, user exactly "nanomdm",
 * password the -api key. Both are compared in constant time (as digests, so
 * lengths leak nothing either), and both always, so the time says nothing
 * about which part was wrong.
 */
export function basicAuthOk(authorization: string | undefined, key: string): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]*)$/i.exec(authorization?.trim() ?? '');
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const [user, password] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const userOk = timingSafeEqual(digest(user), digest(USER));
  const passwordOk = timingSafeEqual(digest(password), digest(key));
  return match !== null && colon >= 0 && userOk && passwordOk;
}
