import { Injectable } from '@nestjs/common';
import { GroupDailyMetrics, UserDailyMetrics } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';
import { decodeCursor, encodeCursor } from './cursor';

export class AnalyticsQueryError extends Error {}

export interface DayRange {
  from: string;
  to: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface DailyMetricsRow {
  day: string;
  userId?: string;
  groupId?: string;
  activeUsers?: number;
  sessions: number;
  toolCalls: number;
  toolCallsByConnector: Record<string, Record<string, number>>;
  toolCallsByDecision: Record<string, number>;
  plansApprovedManual: number;
  plansApprovedAuto: number;
  filesRead: number;
  filesModified: number;
  skillsUsed: number;
  modelRequests: number;
  inputTokens: string;
  outputTokens: string;
  // Exact decimal, as a string.
  costUsd: string;
  policyViolations: number;
}

export interface OrganizationSummary {
  from: string;
  to: string;
  activeUsers: number;
  sessions: number;
  toolCalls: number;
  toolCallsByDecision: Record<string, number>;
  plansApprovedManual: number;
  plansApprovedAuto: number;
  filesRead: number;
  filesModified: number;
  skillsUsed: number;
  modelRequests: number;
  inputTokens: string;
  outputTokens: string;
  costUsd: string;
  policyViolations: number;
}

// One day of the organization, as the console's charts draw it: days without activity are zeros.
export interface OrganizationDay {
  day: string;
  activeUsers: number;
  sessions: number;
  toolCalls: number;
  toolCallsByDecision: Record<string, number>;
  plansApprovedManual: number;
  plansApprovedAuto: number;
  modelRequests: number;
  costUsd: string;
  policyViolations: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_RANGE_DAYS = 366;
export const MAX_PAGE = 1000;

export function parseRange(from?: string, to?: string, now = new Date()): DayRange {
  const today = now.toISOString().slice(0, 10);
  const range = {
    from: from ?? new Date(now.getTime() - 29 * 86_400_000).toISOString().slice(0, 10),
    to: to ?? today,
  };
  for (const [name, value] of Object.entries(range)) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new AnalyticsQueryError(`${name} must be a date (YYYY-MM-DD)`);
    }
  }
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000;
  if (days < 0) throw new AnalyticsQueryError('from must not be after to');
  if (days >= MAX_RANGE_DAYS) throw new AnalyticsQueryError(`at most ${MAX_RANGE_DAYS} days`);
  return range;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function metrics(row: UserDailyMetrics | GroupDailyMetrics) {
  return {
    sessions: row.sessions,
    toolCalls: row.toolCalls,
    toolCallsByConnector: row.toolCallsByConnector as Record<string, Record<string, number>>,
    toolCallsByDecision: row.toolCallsByDecision as Record<string, number>,
    plansApprovedManual: row.plansApprovedManual,
    plansApprovedAuto: row.plansApprovedAuto,
    filesRead: row.filesRead,
    filesModified: row.filesModified,
    skillsUsed: row.skillsUsed,
    modelRequests: row.modelRequests,
    inputTokens: row.inputTokens.toString(),
    outputTokens: row.outputTokens.toString(),
    costUsd: row.costUsd.toFixed(),
    policyViolations: row.policyViolations,
  };
}

// Reads the rollups only (never the raw events): a month's summary is ~30 organization rows, and
// pages of daily rows go through the primary key. Pages are keyset cursors on (day, user or group).
@Injectable()
export class AnalyticsService {
  constructor(private readonly prisma: PrismaService) {}

  async userDaily(
    organizationId: string,
    range: DayRange,
    options: { userId?: string; cursor?: string; limit: number },
  ): Promise<Page<DailyMetricsRow>> {
    const after = options.cursor ? decodeCursor(options.cursor, 2) : null;
    const rows = await this.prisma.forOrganization(organizationId).userDailyMetrics.findMany({
      where: {
        day: { gte: new Date(range.from), lte: new Date(range.to) },
        ...(options.userId ? { userId: options.userId } : {}),
        ...(after
          ? {
              OR: [
                { day: { gt: new Date(String(after[0])) } },
                { day: new Date(String(after[0])), userId: { gt: String(after[1]) } },
              ],
            }
          : {}),
      },
      orderBy: [{ day: 'asc' }, { userId: 'asc' }],
      take: options.limit + 1,
    });
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => ({ day: dayOf(row.day), userId: row.userId, ...metrics(row) })),
      nextCursor:
        rows.length > options.limit && last ? encodeCursor([dayOf(last.day), last.userId]) : null,
    };
  }

  async groupDaily(
    organizationId: string,
    range: DayRange,
    options: { groupId?: string; cursor?: string; limit: number },
  ): Promise<Page<DailyMetricsRow>> {
    const after = options.cursor ? decodeCursor(options.cursor, 2) : null;
    const rows = await this.prisma.forOrganization(organizationId).groupDailyMetrics.findMany({
      where: {
        day: { gte: new Date(range.from), lte: new Date(range.to) },
        ...(options.groupId ? { groupId: options.groupId } : {}),
        ...(after
          ? {
              OR: [
                { day: { gt: new Date(String(after[0])) } },
                { day: new Date(String(after[0])), groupId: { gt: String(after[1]) } },
              ],
            }
          : {}),
      },
      orderBy: [{ day: 'asc' }, { groupId: 'asc' }],
      take: options.limit + 1,
    });
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => ({
        day: dayOf(row.day),
        groupId: row.groupId,
        activeUsers: row.activeUsers,
        ...metrics(row),
      })),
      nextCursor:
        rows.length > options.limit && last ? encodeCursor([dayOf(last.day), last.groupId]) : null,
    };
  }

  // Every day of the range in order, from the organization's daily rows (one per day at most).
  async organizationDaily(organizationId: string, range: DayRange): Promise<OrganizationDay[]> {
    const rows = await this.prisma
      .forOrganization(organizationId)
      .organizationDailyMetrics.findMany({
        where: { day: { gte: new Date(range.from), lte: new Date(range.to) } },
        orderBy: { day: 'asc' },
      });
    const byDay = new Map(rows.map((row) => [dayOf(row.day), row]));
    const days: OrganizationDay[] = [];
    for (let t = Date.parse(range.from); t <= Date.parse(range.to); t += 86_400_000) {
      const day = dayOf(new Date(t));
      const row = byDay.get(day);
      days.push({
        day,
        activeUsers: row?.activeUsers ?? 0,
        sessions: row?.sessions ?? 0,
        toolCalls: row?.toolCalls ?? 0,
        toolCallsByDecision: (row?.toolCallsByDecision ?? {}) as Record<string, number>,
        plansApprovedManual: row?.plansApprovedManual ?? 0,
        plansApprovedAuto: row?.plansApprovedAuto ?? 0,
        modelRequests: row?.modelRequests ?? 0,
        costUsd: row ? row.costUsd.toFixed() : '0',
        policyViolations: row?.policyViolations ?? 0,
      });
    }
    return days;
  }

  async summary(organizationId: string, range: DayRange): Promise<OrganizationSummary> {
    // Totals from the organization's daily rows (one per day); people active on several days
    // are counted once, from the per-user rows' primary key.
    const [[totals], [active], decisions] = await Promise.all([
      this.prisma.$queryRaw<Record<string, bigint | string | null>[]>`
        SELECT coalesce(sum(sessions), 0) AS sessions, coalesce(sum("toolCalls"), 0) AS "toolCalls",
          coalesce(sum("plansApprovedManual"), 0) AS "plansApprovedManual",
          coalesce(sum("plansApprovedAuto"), 0) AS "plansApprovedAuto",
          coalesce(sum("filesRead"), 0) AS "filesRead",
          coalesce(sum("filesModified"), 0) AS "filesModified",
          coalesce(sum("skillsUsed"), 0) AS "skillsUsed",
          coalesce(sum("modelRequests"), 0) AS "modelRequests",
          coalesce(sum("inputTokens"), 0)::text AS "inputTokens",
          coalesce(sum("outputTokens"), 0)::text AS "outputTokens",
          coalesce(sum("costUsd"), 0)::text AS "costUsd",
          coalesce(sum("policyViolations"), 0) AS "policyViolations"
        FROM "OrganizationDailyMetrics"
        WHERE "organizationId" = ${organizationId}::uuid
          AND day BETWEEN ${range.from}::date AND ${range.to}::date`,
      this.prisma.$queryRaw<{ activeUsers: bigint }[]>`
        SELECT count(*) AS "activeUsers" FROM (
          SELECT DISTINCT "userId" FROM "UserDailyMetrics"
          WHERE "organizationId" = ${organizationId}::uuid
            AND day BETWEEN ${range.from}::date AND ${range.to}::date) people`,
      this.prisma.$queryRaw<{ decision: string; n: bigint }[]>`
        SELECT d.key AS decision, sum(d.value::bigint) AS n
        FROM "OrganizationDailyMetrics", jsonb_each_text("toolCallsByDecision") d
        WHERE "organizationId" = ${organizationId}::uuid
          AND day BETWEEN ${range.from}::date AND ${range.to}::date
        GROUP BY d.key ORDER BY d.key`,
    ]);
    const count = (name: string) => Number(totals![name] ?? 0);
    return {
      ...range,
      activeUsers: Number(active?.activeUsers ?? 0),
      sessions: count('sessions'),
      toolCalls: count('toolCalls'),
      toolCallsByDecision: Object.fromEntries(decisions.map((d) => [d.decision, Number(d.n)])),
      plansApprovedManual: count('plansApprovedManual'),
      plansApprovedAuto: count('plansApprovedAuto'),
      filesRead: count('filesRead'),
      filesModified: count('filesModified'),
      skillsUsed: count('skillsUsed'),
      modelRequests: count('modelRequests'),
      inputTokens: String(totals!.inputTokens),
      outputTokens: String(totals!.outputTokens),
      // numeric::text keeps every digit; trailing zeros of the scale are trimmed.
      costUsd: trimDecimal(String(totals!.costUsd)),
      policyViolations: count('policyViolations'),
    };
  }
}

function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
