import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { GroupDailyMetrics, UserDailyMetrics } from '../../generated/prisma/client';
import { AnalyticsError, AnalyticsErrorCode } from './analytics.errors';
import { decodeCursor, encodeCursor } from './cursor';
import { DayRange, MetricsCursor, MetricsRepository } from './metrics.repository';

export type { DayRange } from './metrics.repository';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

// The totals of a day or a range, per person, group or organization.
export interface MetricTotals {
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
  // Exact decimal, as a string.
  costUsd: string;
  policyViolations: number;
}

export interface DailyMetricsRow extends MetricTotals {
  day: string;
  userId?: string;
  groupId?: string;
  activeUsers?: number;
  toolCallsByConnector: Record<string, Record<string, number>>;
}

export interface OrganizationSummary extends MetricTotals {
  from: string;
  to: string;
  activeUsers: number;
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

// A range of whole UTC days, both ends included; the last 30 days by default.
export function parseRange(from?: string, to?: string, now = new Date()): DayRange {
  const today = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('day');
  const range = {
    from: from ?? today.minus({ days: 29 }).toISODate()!,
    to: to ?? today.toISODate()!,
  };
  for (const [name, value] of Object.entries(range)) {
    if (!DAY.test(value) || !utcDay(value).isValid) {
      throw new AnalyticsError(AnalyticsErrorCode.Invalid, `${name} must be a date (YYYY-MM-DD)`);
    }
  }
  const days = utcDay(range.to).diff(utcDay(range.from), 'days').days;
  if (days < 0) throw new AnalyticsError(AnalyticsErrorCode.Invalid, 'from must not be after to');
  if (days >= MAX_RANGE_DAYS) {
    throw new AnalyticsError(AnalyticsErrorCode.Invalid, `at most ${MAX_RANGE_DAYS} days`);
  }
  return range;
}

function utcDay(day: string): DateTime {
  return DateTime.fromISO(day, { zone: 'utc' });
}

function cursorOf(cursor: string): MetricsCursor {
  const [day, key] = decodeCursor(cursor, 2);
  return [String(day), String(key)];
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// One page of daily rows after the cursor, ordered by (day, user or group): the first `limit`
// of them (read with one more, which says whether another page follows), and the cursor after
// the last of them when one does.
async function keysetPage<Row extends { day: Date }, View>(
  options: { cursor?: string; limit: number },
  read: (after: MetricsCursor | null, take: number) => Promise<Row[]>,
  key: (row: Row) => string,
  view: (row: Row) => View,
): Promise<Page<View>> {
  const rows = await read(options.cursor ? cursorOf(options.cursor) : null, options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    data: page.map(view),
    nextCursor:
      rows.length > options.limit && last ? encodeCursor([dayOf(last.day), key(last)]) : null,
  };
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
  constructor(private readonly metrics: MetricsRepository) {}

  userDaily(
    organizationId: string,
    range: DayRange,
    options: { userId?: string; cursor?: string; limit: number },
  ): Promise<Page<DailyMetricsRow>> {
    return keysetPage(
      options,
      (after, take) =>
        this.metrics.userDaily(organizationId, range, { userId: options.userId, after, take }),
      (row) => row.userId,
      (row) => ({ day: dayOf(row.day), userId: row.userId, ...metrics(row) }),
    );
  }

  groupDaily(
    organizationId: string,
    range: DayRange,
    options: { groupId?: string; cursor?: string; limit: number },
  ): Promise<Page<DailyMetricsRow>> {
    return keysetPage(
      options,
      (after, take) =>
        this.metrics.groupDaily(organizationId, range, { groupId: options.groupId, after, take }),
      (row) => row.groupId,
      (row) => ({
        day: dayOf(row.day),
        groupId: row.groupId,
        activeUsers: row.activeUsers,
        ...metrics(row),
      }),
    );
  }

  // Every day of the range in order, from the organization's daily rows (one per day at most).
  async organizationDaily(organizationId: string, range: DayRange): Promise<OrganizationDay[]> {
    const rows = await this.metrics.organizationDaily(organizationId, range);
    const byDay = new Map(rows.map((row) => [dayOf(row.day), row]));
    const days: OrganizationDay[] = [];
    const last = utcDay(range.to);
    for (let date = utcDay(range.from); date <= last; date = date.plus({ days: 1 })) {
      const day = date.toISODate()!;
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
    const { totals, activeUsers, decisions } = await this.metrics.summary(organizationId, range);
    const count = (name: string) => Number(totals[name] ?? 0);
    return {
      ...range,
      activeUsers,
      sessions: count('sessions'),
      toolCalls: count('toolCalls'),
      toolCallsByDecision: Object.fromEntries(decisions.map((d) => [d.decision, Number(d.n)])),
      plansApprovedManual: count('plansApprovedManual'),
      plansApprovedAuto: count('plansApprovedAuto'),
      filesRead: count('filesRead'),
      filesModified: count('filesModified'),
      skillsUsed: count('skillsUsed'),
      modelRequests: count('modelRequests'),
      inputTokens: String(totals.inputTokens),
      outputTokens: String(totals.outputTokens),
      // numeric::text keeps every digit; trailing zeros of the scale are trimmed.
      costUsd: trimDecimal(String(totals.costUsd)),
      policyViolations: count('policyViolations'),
    };
  }
}

function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
