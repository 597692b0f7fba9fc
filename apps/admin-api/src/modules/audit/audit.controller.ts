import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, EXPORT_ROLES, RequireAdmin } from '../auth/admin-auth.guard';
import { CurrentApiKey, RequireApiKey } from '../credentials/api-key.guard';
import type { ApiKeyCaller } from '../credentials/api-key.guard';
import { AuditExportsService, ExportFormat } from './audit-exports.service';
import { AuditError, AuditErrorCode, AuditErrorFilter } from './audit.errors';
import { AuditFilter, AuditQueryService, AuditRecordView } from './audit-query.service';
import { exportInfo, AuditExportInfo } from './audit.resolver';
import { AuditVerification, AuditVerifier } from './audit-verifier';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

function parseFilter(query: Record<string, string | undefined>): AuditFilter {
  const instant = (name: 'from' | 'to') => {
    const value = query[name];
    if (value === undefined) return undefined;
    const date = new Date(value);
    if (Number.isNaN(date.getTime()))
      throw new AuditError(AuditErrorCode.Invalid, `${name} must be an ISO instant`);
    return date;
  };
  return {
    actorType: query.actorType,
    actorId: query.actorId,
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    from: instant('from'),
    to: instant('to'),
  };
}

async function sendExport(
  exports: AuditExportsService,
  reply: FastifyReply,
  organizationId: string,
  id: string,
): Promise<Buffer> {
  const file = await exports.download(organizationId, id);
  void reply
    .type(CONTENT_TYPES[file.format])
    .header('content-disposition', `attachment; filename="audit-${id}.${file.format}"`);
  return file.content;
}

const FILTER_QUERIES = applyDecorators(
  ...[
    'actorType',
    'actorId',
    'action',
    'resourceType',
    'resourceId',
    'from',
    'to',
    'limit',
    'cursor',
  ].map((name) => ApiQuery({ name, required: false })),
);

// The compliance API for API keys: audit:read to query and verify, export to export.
@ApiTags('audit')
@Controller('api/v1/audit')
@UseFilters(AuditErrorFilter)
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly verifier: AuditVerifier,
    private readonly exports: AuditExportsService,
  ) {}

  @Get('records')
  @RequireApiKey('audit:read')
  @ApiOperation({
    summary: 'Audit records, newest first; filters: actor, action (prefix*), resource, time',
  })
  @FILTER_QUERIES
  async records(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Query() query: Record<string, string | undefined>,
  ): Promise<{ data: AuditRecordView[]; nextCursor: string | null }> {
    const page = await this.queries.query(caller.organizationId, parseFilter(query), {
      after: query.cursor,
      limit: query.limit === undefined ? 100 : Number(query.limit),
    });
    return { data: page.records, nextCursor: page.nextCursor };
  }

  @Get('verify')
  @RequireApiKey('audit:read')
  @ApiOperation({ summary: 'Recomputes the hash chain and names the first bad record' })
  @ApiQuery({ name: 'events', required: false, description: 'true: also re-hash agent events' })
  verify(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Query('events') events?: string,
  ): Promise<AuditVerification> {
    return this.verifier.verify(caller.organizationId, { events: events === 'true' });
  }

  @Post('exports')
  @HttpCode(202)
  @RequireApiKey('export')
  @ApiOperation({ summary: 'Starts an export: body {format: ndjson|csv, filter?}' })
  async requestExport(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Body() body: { format?: string; filter?: Record<string, string | undefined> } | null,
  ): Promise<AuditExportInfo> {
    const created = await this.exports.request(
      caller.organizationId,
      (body?.format ?? 'ndjson') as ExportFormat,
      parseFilter(body?.filter ?? {}),
      { type: 'api-key', id: caller.credentialId },
    );
    return {
      ...exportInfo(created),
      downloadPath: `/api/v1/audit/exports/${created.id}/download`,
    };
  }

  @Get('exports/:id')
  @RequireApiKey('export')
  @ApiOperation({ summary: 'Export status and progress (0-100)' })
  async exportStatus(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AuditExportInfo> {
    const found = await this.exports.get(caller.organizationId, id);
    return { ...exportInfo(found), downloadPath: `/api/v1/audit/exports/${id}/download` };
  }

  @Get('exports/:id/download')
  @RequireApiKey('export')
  @ApiOperation({ summary: 'The finished export file (409 until done)' })
  download(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    return sendExport(this.exports, reply, caller.organizationId, id);
  }
}

// The same download for the console (admin session cookie).
@Controller('api/console/audit/exports')
@UseFilters(AuditErrorFilter)
export class AuditConsoleController {
  constructor(private readonly exports: AuditExportsService) {}

  @Get(':id/download')
  @RequireAdmin(...EXPORT_ROLES)
  download(
    @CurrentAdmin() admin: AdminPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    return sendExport(this.exports, reply, admin.organizationId, id);
  }
}
