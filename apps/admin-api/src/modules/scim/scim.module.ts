import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { DirectoryModule } from '../directory/directory.module';
import { ScimAuthGuard } from './scim-auth.guard';
import { renderFrameworkErrors } from '../../platform/http/http-app';
import { SCIM_CONTENT_TYPE, sendScimError } from './scim-exception.filter';
import { scimErrorForStatus } from './scim.errors';
import {
  ScimDiscoveryController,
  ScimFallbackController,
  ScimGroupsController,
  ScimRootQueryController,
  ScimUsersController,
} from './scim.controller';
import { ScimRefusalsRepository } from './scim-refusals.repository';
import { ScimRefusals } from './scim-refusals.service';
import { ScimSettingsResolver } from './scim-settings.resolver';
import { ScimService } from './scim.service';

const SCIM_PREFIX = /^\/scim\/v2(\/|\?|$)/;

@Module({
  imports: [AuthModule, DirectoryModule, CredentialsModule],
  controllers: [
    ScimUsersController,
    ScimGroupsController,
    ScimDiscoveryController,
    ScimRootQueryController,
    ScimFallbackController,
  ],
  providers: [
    ScimService,
    ScimAuthGuard,
    ScimSettingsResolver,
    ScimRefusals,
    ScimRefusalsRepository,
  ],
})
export class ScimModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  // Errors raised before a SCIM route runs (malformed JSON or URL, an unsupported content type, a
  // body over the limit) reach the API-wide problem+json answer; under /scim/v2 they are re-sent as
  // SCIM errors.
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    renderFrameworkErrors(fastify, (error, request, reply) => {
      if (!SCIM_PREFIX.test(request.url)) return false;
      const status = error.statusCode ?? 400;
      sendScimError(reply, status, scimErrorForStatus(status, error.message));
      return true;
    });
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || !SCIM_PREFIX.test(request.url)) return payload;
      if (String(reply.getHeader('content-type') ?? '').startsWith('application/scim+json'))
        return payload;
      let detail = 'request failed';
      try {
        detail = String((JSON.parse(String(payload)) as { detail?: unknown }).detail ?? detail);
      } catch {
        // Not JSON: keep the generic detail.
      }
      void reply.type(SCIM_CONTENT_TYPE);
      return JSON.stringify(scimErrorForStatus(reply.statusCode, detail));
    });
  }
}
