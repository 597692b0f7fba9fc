import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import type { AdminPrincipal } from './admin-principal';
import { CurrentAdmin, OWNER_ROLES, RequireAdmin } from './admin-auth.guard';
import { AuthService } from './auth.service';
import { clearSessionCookies, page, setSessionCookies } from './session-cookies';

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
    setSessionCookies(reply, result.session, this.config.PUBLIC_URL);
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
    clearSessionCookies(reply);
  }

  // The REST twin of the revokeAdminSession mutation, for scripts holding an owner's session.
  @Delete('sessions/:id')
  @HttpCode(204)
  @RequireAdmin(...OWNER_ROLES)
  async revokeSession(@CurrentAdmin() owner: AdminPrincipal, @Param('id') id: string) {
    if (!(await this.auth.revokeSession(owner, id))) {
      throw new NotFoundException(`no live session ${id}`);
    }
  }
}
