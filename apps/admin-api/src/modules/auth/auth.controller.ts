import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { CSRF_COOKIE, SESSION_COOKIE } from './admin-principal';
import type { AdminPrincipal } from './admin-principal';
import { CurrentAdmin, RequireAdmin } from './admin-auth.guard';
import { AuthService } from './auth.service';
import { IssuedSession, SESSION_ABSOLUTE_TIMEOUT_MS } from './sessions.service';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  // The first-run link printed by `npm start` (and `steward org bootstrap-link`).
  @Get('bootstrap/:orgSlug')
  async bootstrap(
    @Param('orgSlug') orgSlug: string,
    @Query('token') token: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.auth.signInWithBootstrapToken(orgSlug, token ?? '', request.ip);
    if (!result.ok) {
      void reply
        .status(403)
        .type('text/html; charset=utf-8')
        .send(page('This sign-in link does not work', result.reason));
      return;
    }
    this.setSessionCookies(reply, result.session);
    void reply.redirect('/', 303);
  }

  @Post('logout')
  @HttpCode(204)
  @RequireAdmin()
  async logout(
    @CurrentAdmin() admin: AdminPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.signOut(admin);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
  }

  setSessionCookies(reply: FastifyReply, session: IssuedSession): void {
    const secure = this.config.PUBLIC_URL.startsWith('https://');
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
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Steward</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
@media(prefers-color-scheme:dark){body{background:#16181d;color:#e6e8eb}}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/sign-in">Back to sign-in</a></p></body></html>`;
}
