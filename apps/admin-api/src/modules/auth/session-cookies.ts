import type { FastifyReply } from 'fastify';
import { CSRF_COOKIE, SESSION_COOKIE } from './admin-principal';
import { IssuedSession, SESSION_ABSOLUTE_TIMEOUT_MS } from './sessions.service';

// The session cookie is http-only and same-site (lax, so the redirect after an IdP's cross-site
// POST to the ACS still carries it); secure whenever Steward is served over https.
export function setSessionCookies(
  reply: FastifyReply,
  session: IssuedSession,
  publicUrl: string,
): void {
  const secure = publicUrl.startsWith('https://');
  const maxAge = Math.floor(SESSION_ABSOLUTE_TIMEOUT_MS / 1000);
  void reply
    .setCookie(SESSION_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      secure,
      sameSite: 'lax',
      maxAge,
    })
    // Readable by the console's script, which echoes it in the CSRF header.
    .setCookie(CSRF_COOKIE, session.csrfToken, {
      path: '/',
      httpOnly: false,
      secure,
      sameSite: 'lax',
      maxAge,
    });
}

export function clearSessionCookies(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A plain page for sign-in outcomes a browser lands on (the console is not loaded yet).
export function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Steward</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
@media(prefers-color-scheme:dark){body{background:#16181d;color:#e6e8eb}}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/sign-in">Back to sign-in</a></p></body></html>`;
}
