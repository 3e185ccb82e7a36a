/** Pages anyone may open: signing in, the first-run setup link, invitation links, and assets. */
const PUBLIC_PAGES = ['/sign-in', '/setup', '/invite'];
const PUBLIC_PREFIXES = ['/_next/', '/api/', '/__nextjs'];
const PUBLIC_FILES = new Set(['/favicon.ico', '/icon.svg', '/robots.txt', '/healthz', '/readyz']);

export function isPublicPath(pathname: string): boolean {
  if (PUBLIC_FILES.has(pathname)) return true;
  if (PUBLIC_PREFIXES.some((p) => pathname.startsWith(p))) return true;
  return PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** Where an anonymous visitor of `url` is sent: the sign-in page, then back (same-site paths only). */
export function signInRedirect(url: string): string {
  const next = url.startsWith('/') && !url.startsWith('//') ? url : '/';
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}
