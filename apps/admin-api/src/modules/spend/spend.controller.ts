import {
  Body,
  Controller,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentEndpoint, EndpointAuthGuard } from '../endpoints/endpoint-auth';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { leaseSchema, parseBody, settleSchema } from './spend.dto';
import { spendErrorToHttp } from './spend.errors';
import { SpendService } from './spend.service';

// Spend leases of the endpoint protocol (docs/endpoint-protocol.md, "Spend leases").
@Controller('api/v1/endpoints/spend/leases')
@UseGuards(EndpointAuthGuard)
export class SpendController {
  constructor(private readonly spend: SpendService) {}

  @Post()
  async lease(
    @CurrentEndpoint() endpoint: AuthenticatedEndpoint,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = parseBody(leaseSchema, body);
    try {
      const { existing, ...lease } = await this.spend.lease(endpoint, request);
      void reply.status(existing ? 200 : 201);
      return lease;
    } catch (error) {
      throw spendErrorToHttp(error);
    }
  }

  @Post(':id/settle')
  @HttpCode(200)
  async settle(
    @CurrentEndpoint() endpoint: AuthenticatedEndpoint,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
  ) {
    const request = parseBody(settleSchema, body);
    try {
      return await this.spend.settle(endpoint, id, request);
    } catch (error) {
      throw spendErrorToHttp(error);
    }
  }
}
