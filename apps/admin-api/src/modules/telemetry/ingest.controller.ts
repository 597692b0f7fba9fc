import { BadRequestException, Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentEndpoint, EndpointAuthGuard } from '../endpoints/endpoint-auth';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { IngestError, IngestResult, IngestService } from './ingest.service';

// Event upload from endpoints (documented in docs/telemetry.md; not part of the public OpenAPI
// document). A batch is answered 200 even when some events were invalid: the valid ones are
// stored and each invalid one is listed by its index in `rejected`, so the runtime drops those and
// never retries them. Only a body that is not a batch at all is a 400.
@ApiExcludeController()
@Controller('api/v1/endpoints/events')
@UseGuards(EndpointAuthGuard)
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @HttpCode(200)
  async upload(
    @CurrentEndpoint() caller: AuthenticatedEndpoint,
    @Body() body: unknown,
  ): Promise<IngestResult> {
    try {
      return await this.ingest.ingest(caller, body);
    } catch (error) {
      if (error instanceof IngestError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
