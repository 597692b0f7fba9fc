import { applyDecorators, Controller, Get, Query, Res, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentApiKey, RequireApiKey } from '../credentials/api-key.guard';
import type { ApiKeyCaller } from '../credentials/api-key.guard';
import { AnalyticsError, AnalyticsErrorCode, AnalyticsErrorFilter } from './analytics.errors';
import {
  AnalyticsService,
  DailyMetricsRow,
  DayRange,
  MAX_PAGE,
  OrganizationSummary,
  Page,
  parseRange,
} from './analytics.service';
import { csvRow } from '../../platform/http/csv';

const METRIC_FIELDS = [
  'sessions',
  'toolCalls',
  'plansApprovedManual',
  'plansApprovedAuto',
  'filesRead',
  'filesModified',
  'skillsUsed',
  'modelRequests',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'policyViolations',
  'toolCallsByDecision',
  'toolCallsByConnector',
] as const;

const RANGE_QUERIES = [
  ApiQuery({
    name: 'from',
    required: false,
    description: 'First day, YYYY-MM-DD (UTC); default 29 days before to',
  }),
  ApiQuery({
    name: 'to',
    required: false,
    description: 'Last day, YYYY-MM-DD (UTC), inclusive; default today',
  }),
];
const PAGE_QUERIES = [
  ApiQuery({
    name: 'limit',
    required: false,
    description: `Rows per page, 1-${MAX_PAGE} (default 100)`,
  }),
  ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' }),
  ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] }),
];

function limitOf(value?: string): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new AnalyticsError(
      AnalyticsErrorCode.Invalid,
      `limit must be a whole number from 1 to ${MAX_PAGE}`,
    );
  }
  return limit;
}

function formatOf(value?: string): 'json' | 'csv' {
  if (value === undefined || value === 'json' || value === 'csv') return value ?? 'json';
  throw new AnalyticsError(AnalyticsErrorCode.Invalid, 'format must be json or csv');
}

// A page of daily rows, JSON or CSV, filtered by one user or group.
function DailyMetrics(path: string, summary: string, filter: 'userId' | 'groupId') {
  return applyDecorators(
    Get(path),
    ApiOperation({ summary }),
    ApiProduces('application/json', 'text/csv'),
    ...RANGE_QUERIES,
    ...PAGE_QUERIES,
    ApiQuery({ name: filter, required: false }),
    ApiOkResponse({ description: '{data: [...], nextCursor}' }),
  );
}

// The Analytics API (API key with analytics:read). JSON pages are {data, nextCursor}; CSV pages
// carry the next cursor in the X-Next-Cursor header.
@ApiTags('analytics')
@Controller('api/v1/analytics')
@RequireApiKey('analytics:read')
@UseFilters(AnalyticsErrorFilter)
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @DailyMetrics('users/daily', 'Per-user daily metrics', 'userId')
  async users(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, string | undefined>,
  ): Promise<Page<DailyMetricsRow> | string> {
    return this.answer(reply, query, 'userId', (range, page) =>
      this.analytics.userDaily(caller.organizationId, range, { userId: query.userId, ...page }),
    );
  }

  @DailyMetrics(
    'groups/daily',
    'Per-group daily metrics (directory groups, with active users)',
    'groupId',
  )
  async groups(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, string | undefined>,
  ): Promise<Page<DailyMetricsRow> | string> {
    return this.answer(reply, query, 'groupId', (range, page) =>
      this.analytics.groupDaily(caller.organizationId, range, { groupId: query.groupId, ...page }),
    );
  }

  @Get('summary')
  @ApiOperation({ summary: 'Organization totals over a date range' })
  @applyDecorators(...RANGE_QUERIES)
  @ApiOkResponse({ description: 'Totals, active users and tool calls by decision' })
  summary(
    @CurrentApiKey() caller: ApiKeyCaller,
    @Query() query: Record<string, string | undefined>,
  ): Promise<OrganizationSummary> {
    return this.analytics.summary(caller.organizationId, parseRange(query.from, query.to));
  }

  private async answer(
    reply: FastifyReply,
    query: Record<string, string | undefined>,
    key: 'userId' | 'groupId',
    load: (
      range: DayRange,
      page: { cursor?: string; limit: number },
    ) => Promise<Page<DailyMetricsRow>>,
  ): Promise<Page<DailyMetricsRow> | string> {
    const format = formatOf(query.format);
    const range = parseRange(query.from, query.to);
    const page = await load(range, { cursor: query.cursor, limit: limitOf(query.limit) });
    if (format === 'json') return page;
    const columns = ['day', key, ...(key === 'groupId' ? ['activeUsers'] : []), ...METRIC_FIELDS];
    if (page.nextCursor) void reply.header('x-next-cursor', page.nextCursor);
    void reply.type('text/csv; charset=utf-8');
    return (
      csvRow(columns) +
      page.data
        .map((row) => csvRow(columns.map((c) => (row as unknown as Record<string, unknown>)[c])))
        .join('')
    );
  }
}
