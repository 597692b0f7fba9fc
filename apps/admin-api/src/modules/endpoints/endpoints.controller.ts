import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  UnauthorizedException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { ZodType } from 'zod';
import { BundleErrorFilter } from '../bundles/bundle.errors';
import { SigningKeysService } from '../bundles/signing-keys.service';
import { CredentialsService } from '../credentials/credentials.service';
import { CurrentEndpoint, EndpointAuthGuard } from './endpoint-auth';
import type { AuthenticatedEndpoint } from './endpoint-sessions';
import { agentsSchema, enrolmentSchema, statusSchema } from './endpoints.dto';
import { EndpointsService } from './endpoints.service';

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
@UseFilters(BundleErrorFilter)
export class EndpointsController {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly credentials: CredentialsService,
    private readonly keys: SigningKeysService,
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
    return this.endpoints.enrol(token.organizationId, token.id, request);
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

  // What the runtime last applied to the agents it governs (docs/governed-agents.md).
  @Post('agents')
  @HttpCode(204)
  @UseGuards(EndpointAuthGuard)
  async agents(@CurrentEndpoint() endpoint: AuthenticatedEndpoint, @Body() body: unknown) {
    const { agents } = parse(agentsSchema, body);
    await this.endpoints.reportAgents(endpoint.organizationId, endpoint.endpointId, agents);
  }
}
