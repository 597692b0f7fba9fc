import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { CredentialsModule } from '../credentials/credentials.module';
import { DirectoryModule } from '../directory/directory.module';
import { ScimAuthGuard } from './scim-auth.guard';
import { SCIM_CONTENT_TYPE } from './scim-exception.filter';
import { scimErrorBody } from './scim.errors';
import {
  ScimDiscoveryController,
  ScimFallbackController,
  ScimGroupsController,
  ScimUsersController,
} from './scim.controller';
import { ScimService } from './scim.service';

const SCIM_PREFIX = /^\/scim\/v2(\/|\?|$)/;

@Module({
  imports: [DirectoryModule, CredentialsModule],
  controllers: [
    ScimUsersController,
    ScimGroupsController,
    ScimDiscoveryController,
    ScimFallbackController,
  ],
  providers: [ScimService, ScimAuthGuard],
})
export class ScimModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  // Errors raised before a SCIM route runs (malformed JSON, an unsupported content type, a body over
  // the limit) reach the API-wide problem+json filter; under /scim/v2 they are re-sent as SCIM errors.
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
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
      const scimType = reply.statusCode === 400 ? 'invalidSyntax' : undefined;
      void reply.type(SCIM_CONTENT_TYPE);
      return JSON.stringify(scimErrorBody(reply.statusCode, detail, scimType));
    });
  }
}
