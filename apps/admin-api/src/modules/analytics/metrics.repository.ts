import { Injectable } from '@nestjs/common';
import type {
  GroupDailyMetrics,
  OrganizationDailyMetrics,
  UserDailyMetrics,
} from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export interface DayRange {
  from: string;
  to: string;
}

// A keyset position: the last row's day and user or group.
export type MetricsCursor = [day: string, key: string];

export interface SummaryTotals {
  totals: Record<string, bigint | string | null>;
  activeUsers: number;
  decisions: { decision: string; n: bigint }[];
}

function dayWhere(range: DayRange) {
  return { day: { gte: new Date(range.from), lte: new Date(range.to) } };
}

// The rows after a keyset position: a later day, or the same day and a greater user or group.
function afterWhere<Key extends 'userId' | 'groupId'>(after: MetricsCursor | null, key: Key) {
  if (!after) return {};
  const day = new Date(after[0]);
  const sameDay = { day, ...({ [key]: { gt: after[1] } } as Record<Key, { gt: string }>) };
  return { OR: [{ day: { gt: day } }, sameDay] };
}

// The rollup tables as the Analytics API reads them (RollupsRepository writes them).
@Injectable()
export class MetricsRepository {
  constructor(private readonly prisma: PrismaService) {}

  userDaily(
    organizationId: string,
    range: DayRange,
    options: { userId?: string; after: MetricsCursor | null; take: number },
  ): Promise<UserDailyMetrics[]> {
    return this.prisma.forOrganization(organizationId).userDailyMetrics.findMany({
      where: {
        ...dayWhere(range),
        ...(options.userId ? { userId: options.userId } : {}),
        ...afterWhere(options.after, 'userId'),
      },
      orderBy: [{ day: 'asc' }, { userId: 'asc' }],
      take: options.take,
    });
  }

  groupDaily(
    organizationId: string,
    range: DayRange,
    options: { groupId?: string; after: MetricsCursor | null; take: number },
  ): Promise<GroupDailyMetrics[]> {
    return this.prisma.forOrganization(organizationId).groupDailyMetrics.findMany({
      where: {
        ...dayWhere(range),
        ...(options.groupId ? { groupId: options.groupId } : {}),
        ...afterWhere(options.after, 'groupId'),
      },
      orderBy: [{ day: 'asc' }, { groupId: 'asc' }],
      take: options.take,
    });
  }

  organizationDaily(organizationId: string, range: DayRange): Promise<OrganizationDailyMetrics[]> {
    return this.prisma.forOrganization(organizationId).organizationDailyMetrics.findMany({
      where: dayWhere(range),
      orderBy: { day: 'asc' },
    });
  }

  // Totals from the organization's daily rows (one per day); people active on several days are
  // counted once, from the per-user rows' primary key.
  async summary(organizationId: string, range: DayRange): Promise<SummaryTotals> {
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
    return { totals: totals!, activeUsers: Number(active?.activeUsers ?? 0), decisions };
  }
}
