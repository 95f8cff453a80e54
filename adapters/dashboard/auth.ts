import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Loopback hosts: the only ones the dashboard listens on without a token. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The host name a request's `Host` header names (`127.0.0.1:8420` → `127.0.0.1`, `[::1]:8420` → `::1`),
 * or null when there is none or it does not parse.
 */
export function hostNameOf(hostHeader: string | undefined): string | null {
  if (hostHeader === undefined || hostHeader === '') return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}

/**
 * Whether a state-changing request can only have come from the dashboard's own page: a JSON body
 * (which a page of another site cannot send without a preflight this server never answers) and, when
 * the browser names an `Origin`, the same host and port as the request's `Host`.
 */
export function isSameOriginJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Whether the request carries the token: `Authorization: Bearer TOKEN`, or `?token=TOKEN` (a page
 * opened from a link and an EventSource cannot set a header). Compared in constant time.
 */
export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization;
  const given = header !== undefined && header.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The page a browser gets without the token: asks for it, keeps it in sessionStorage for the tab and
 * opens the page again with it. A token already kept is tried once without asking.
 */
export const ASK_TOKEN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ladder dashboard: token</title>
<style>body{font:15px system-ui,sans-serif;background:#11151c;color:#dde3ea;display:grid;place-items:center;height:90vh}
form{display:grid;gap:8px}input,button{font:inherit;padding:6px 10px}</style></head>
<body><form id="f"><label for="t">This dashboard needs its token (LADDER_DASHBOARD_TOKEN)</label>
<input id="t" type="password" autocomplete="off" required><button>Open</button></form>
<script>
const kept = sessionStorage.getItem('ladder-token');
const url = new URL(location.href);
if (kept !== null && !url.searchParams.has('token')) { url.searchParams.set('token', kept); location.replace(url); }
document.getElementById('f').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = document.getElementById('t').value;
  sessionStorage.setItem('ladder-token', t);
  url.searchParams.set('token', t);
  location.replace(url);
});
</script></body></html>
`;
