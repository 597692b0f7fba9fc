import {
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONFIG } from '../../../config/config';
import type { Config } from '../../../config/config';
import { OrganizationsService } from '../../organizations/organizations.service';
import { AuthService } from '../auth.service';
import { page, setSessionCookies } from '../session-cookies';
import { SamlService } from './saml.service';

// Only a path on this site may be the destination after sign-in (no open redirect): printable
// ASCII without spaces or backslashes (browsers drop tabs and newlines and read \ as /, which
// would turn "/\t/evil.example" into "//evil.example"), and not protocol-relative.
const SAFE_PATH = /^\/(?!\/)[\x21-\x5b\x5d-\x7e]{0,2047}$/;

export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && SAFE_PATH.test(value) ? value : '/';
}

// The organization's SAML service provider endpoints, all public: the IdP and the admin's browser
// call them before there is a session.
@Controller('auth/saml/:orgSlug')
export class SamlController {
  constructor(
    private readonly auth: AuthService,
    private readonly saml: SamlService,
    private readonly organizations: OrganizationsService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Get('metadata')
  async metadata(@Param('orgSlug') orgSlug: string, @Res() reply: FastifyReply): Promise<void> {
    const organization = await this.organizations.findBySlug(orgSlug);
    if (!organization) throw new NotFoundException(`no organization ${orgSlug}`);
    void reply
      .type('application/samlmetadata+xml; charset=utf-8')
      .send(this.saml.metadata(organization));
  }

  // SP-initiated sign-in: redirects to the IdP with an AuthnRequest (HTTP-Redirect binding).
  @Get('login')
  async login(
    @Param('orgSlug') orgSlug: string,
    @Query('returnTo') returnTo: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const url = await this.auth.samlLoginUrl(orgSlug, safeReturnPath(returnTo));
    if (!url) {
      void reply
        .status(404)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Single sign-on is not set up',
            'This organization has no SAML identity provider yet. An owner sets it up in the console (Settings, Single sign-on).',
          ),
        );
      return;
    }
    void reply.redirect(url, 303);
  }

  // The Assertion Consumer Service (HTTP-POST binding), for SP- and IdP-initiated sign-in.
  @Post('acs')
  async acs(
    @Param('orgSlug') orgSlug: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const samlResponse = body?.SAMLResponse;
    const result =
      typeof samlResponse === 'string' && samlResponse
        ? await this.auth.signInWithSaml(orgSlug, samlResponse, request.ip)
        : ({
            ok: false,
            code: 'malformed',
            reason: 'The request carries no SAMLResponse.',
          } as const);
    if (!result.ok) {
      void reply
        .status(result.code === 'not_found' ? 404 : 403)
        .type('text/html; charset=utf-8')
        .send(page('Sign-in refused', result.reason));
      return;
    }
    setSessionCookies(reply, result.session, this.config.PUBLIC_URL);
    void reply.redirect(safeReturnPath(body?.RelayState), 303);
  }
}
