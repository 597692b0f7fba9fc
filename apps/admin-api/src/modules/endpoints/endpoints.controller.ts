import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { errorToHttp } from '../bundles/bundle.errors';
import { SigningKeysService } from '../bundles/signing-keys.service';
import { CredentialsService } from '../credentials/credentials.service';
import { BundleFeed } from './bundle-feed';
import { CurrentEndpoint, EndpointAuthGuard } from './endpoint-auth';
import type { AuthenticatedEndpoint } from './endpoint-sessions';
import { enrolmentSchema, MAX_WAIT_SECONDS, statusSchema } from './endpoints.dto';
import { EndpointsService } from './endpoints.service';

export const BUNDLE_CONTENT_TYPE = 'application/vnd.steward.bundle+json';

function parse<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new BadRequestException({
      message: result.error.issues
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; '),
      code: 'invalid_request',
    });
  }
  return result.data;
}

// The endpoint protocol (docs/endpoint-protocol.md).
@Controller('api/v1/endpoints')
export class EndpointsController {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly credentials: CredentialsService,
    private readonly keys: SigningKeysService,
    private readonly feed: BundleFeed,
  ) {}

  @Post('enrol')
  @HttpCode(201)
  async enrol(@Headers('authorization') authorization: string | undefined, @Body() body: unknown) {
    const secret = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    const token = secret ? await this.credentials.authenticate(secret, 'enrolment') : null;
    if (!token) {
      throw new UnauthorizedException({
        message: 'an enrolment token (Authorization: Bearer stw_enrol_…) is required',
        code: 'enrolment_unauthenticated',
      });
    }
    const request = parse(enrolmentSchema, body);
    try {
      return await this.endpoints.enrol(token.organizationId, token.id, request);
    } catch (error) {
      throw errorToHttp(error);
    }
  }

  // The hot path: no database work when the credential and the subject's version are cached.
  @Get('bundle')
  @UseGuards(EndpointAuthGuard)
  async bundle(
    @CurrentEndpoint() endpoint: AuthenticatedEndpoint,
    @Query('wait') waitParam: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const wait = waitParam === undefined ? 0 : Number(waitParam);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw new BadRequestException({
        message: `wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
        code: 'invalid_request',
      });
    }
    let entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    if (entry && wait > 0 && ifNoneMatch === entry.etag) {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      request.raw.once('close', onClose);
      const outcome = await this.feed.waitForChange(endpoint.endpointId, wait * 1000, abort.signal);
      request.raw.off('close', onClose);
      if (outcome === 'closed') return;
      if (outcome === 'revoked') {
        throw new UnauthorizedException({
          message: 'the endpoint was revoked',
          code: 'endpoint_revoked',
        });
      }
      entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    }
    if (!entry) {
      void reply.status(404).type('application/problem+json').send({
        type: 'about:blank',
        title: 'not found',
        status: 404,
        detail: 'no bundle has been published for this endpoint yet',
        code: 'bundle_not_found',
      });
      return;
    }
    reply
      .header('etag', entry.etag)
      .header('cache-control', 'no-cache')
      .header('steward-bundle-version', String(entry.version))
      .header('steward-trust-set-version', String(entry.trustSetVersion));
    if (ifNoneMatch === entry.etag) {
      void reply.status(304).send();
      return;
    }
    const body = await this.feed.body(endpoint.organizationId, endpoint.endpointId, entry.etag);
    void reply.status(200).type(BUNDLE_CONTENT_TYPE).send(body);
  }

  @Get('trust-set')
  @UseGuards(EndpointAuthGuard)
  async trustSet(
    @CurrentEndpoint() endpoint: AuthenticatedEndpoint,
    @Query('since') sinceParam: string | undefined,
  ) {
    const since = sinceParam === undefined ? 0 : Number(sinceParam);
    if (!Number.isInteger(since) || since < 0) {
      throw new BadRequestException({
        message: 'since must be a version number',
        code: 'invalid_request',
      });
    }
    const updates = await this.keys.trustSetsSince(endpoint.organizationId, since);
    return {
      version: updates.length ? updates[updates.length - 1]!.version : since,
      updates: updates.map((update) => update.envelope.toString('utf8')),
    };
  }

  @Post('status')
  @HttpCode(204)
  @UseGuards(EndpointAuthGuard)
  async status(@CurrentEndpoint() endpoint: AuthenticatedEndpoint, @Body() body: unknown) {
    const status = parse(statusSchema, body);
    await this.endpoints.report(endpoint.organizationId, endpoint.endpointId, {
      reportedVersion: status.bundleVersion,
      reportedVerified: status.verified,
      reportedReason: status.verified ? null : (status.reason ?? null),
      reportedErrors: status.errors,
      reportedTrustSetVersion: status.trustSetVersion ?? null,
      runtimeVersion: status.runtimeVersion,
    });
  }
}
