import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { escapeLiteral } from 'pg';
import { PrismaService } from '../../platform/database/prisma.service';

export type RollupTx = Prisma.TransactionClient;

const METRIC_COLUMNS = `"sessions", "toolCalls", "plansApprovedManual", "plansApprovedAuto", "filesRead",
  "filesModified", "skillsUsed", "modelRequests", "inputTokens", "outputTokens", "costUsd",
  "policyViolations", "toolCallsByConnector", "toolCallsByDecision"`;

const METRIC_LIST = METRIC_COLUMNS.split(',').map((column) => column.trim());

// Each user's day from telemetry's totals ($3: the JSON rows EventTotalsService gives).
const USER_ROLLUP = `
  INSERT INTO "UserDailyMetrics" ("organizationId", "day", "userId", ${METRIC_COLUMNS}, "updatedAt")
  SELECT $1::uuid, $2::date, t."userId", ${METRIC_COLUMNS}, now()
  FROM jsonb_to_recordset($3::jsonb) AS t("userId" text, "sessions" int, "toolCalls" int,
    "plansApprovedManual" int, "plansApprovedAuto" int, "filesRead" int, "filesModified" int,
    "skillsUsed" int, "modelRequests" int, "inputTokens" bigint, "outputTokens" bigint,
    "costUsd" numeric, "policyViolations" int, "toolCallsByConnector" jsonb,
    "toolCallsByDecision" jsonb)
  ON CONFLICT ("organizationId", "day", "userId") DO UPDATE SET
    ${METRIC_LIST.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}, "updatedAt" = now()`;

// Each group's day from its members' rows ($3, $4: the directory's memberships as parallel user
// and group id arrays, as they are at rollup time: events carry the user, not their groups).
const GROUP_ROLLUP = `
  WITH members AS (
    SELECT * FROM unnest($3::text[], $4::uuid[]) AS m("userId", "groupId")
  ),
  u AS (
    SELECT m."groupId", u.* FROM "UserDailyMetrics" u JOIN members m USING ("userId")
    WHERE u."organizationId" = $1::uuid AND u.day = $2::date
  ),
  by_connector AS (
    SELECT "groupId", jsonb_object_agg(connector, decisions) AS j FROM (
      SELECT "groupId", connector, jsonb_object_agg(decision, n) AS decisions FROM (
        SELECT "groupId", c.key AS connector, d.key AS decision, sum(d.value::bigint) AS n
        FROM u, jsonb_each(u."toolCallsByConnector") c, jsonb_each_text(c.value) d
        GROUP BY 1, 2, 3
      ) t GROUP BY 1, 2
    ) c GROUP BY 1
  ),
  by_decision AS (
    SELECT "groupId", jsonb_object_agg(decision, n) AS j FROM (
      SELECT "groupId", d.key AS decision, sum(d.value::bigint) AS n
      FROM u, jsonb_each_text(u."toolCallsByDecision") d GROUP BY 1, 2
    ) d GROUP BY 1
  )
  INSERT INTO "GroupDailyMetrics" ("organizationId", "day", "groupId", "activeUsers",
    ${METRIC_COLUMNS}, "updatedAt")
  SELECT $1::uuid, $2::date, "groupId", count(*), sum(sessions), sum("toolCalls"),
    sum("plansApprovedManual"), sum("plansApprovedAuto"), sum("filesRead"), sum("filesModified"),
    sum("skillsUsed"), sum("modelRequests"), sum("inputTokens"), sum("outputTokens"),
    sum("costUsd"), sum("policyViolations"), coalesce(min(by_connector.j::text), '{}')::jsonb,
    coalesce(min(by_decision.j::text), '{}')::jsonb, now()
  FROM u LEFT JOIN by_connector USING ("groupId") LEFT JOIN by_decision USING ("groupId")
  GROUP BY "groupId"
  ON CONFLICT ("organizationId", "day", "groupId") DO UPDATE SET "activeUsers" = EXCLUDED."activeUsers",
    ${METRIC_LIST.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}, "updatedAt" = now()`;

// The organization's day from its users' rows (already exact sums).
const ORGANIZATION_ROLLUP = `
  INSERT INTO "OrganizationDailyMetrics" ("organizationId", day, "activeUsers", sessions,
    "toolCalls", "toolCallsByDecision", "plansApprovedManual", "plansApprovedAuto", "filesRead",
    "filesModified", "skillsUsed", "modelRequests", "inputTokens", "outputTokens", "costUsd",
    "policyViolations", "updatedAt")
  SELECT $1::uuid, $2::date, count(*), coalesce(sum(sessions), 0), coalesce(sum("toolCalls"), 0),
    coalesce((SELECT jsonb_object_agg(key, n) FROM (
      SELECT d.key, sum(d.value::bigint) AS n
      FROM "UserDailyMetrics" u, jsonb_each_text(u."toolCallsByDecision") d
      WHERE u."organizationId" = $1::uuid AND u.day = $2::date GROUP BY d.key) t), '{}'),
    coalesce(sum("plansApprovedManual"), 0), coalesce(sum("plansApprovedAuto"), 0),
    coalesce(sum("filesRead"), 0), coalesce(sum("filesModified"), 0),
    coalesce(sum("skillsUsed"), 0), coalesce(sum("modelRequests"), 0),
    coalesce(sum("inputTokens"), 0), coalesce(sum("outputTokens"), 0),
    coalesce(sum("costUsd"), 0), coalesce(sum("policyViolations"), 0), now()
  FROM "UserDailyMetrics" WHERE "organizationId" = $1::uuid AND day = $2::date
  ON CONFLICT ("organizationId", day) DO UPDATE SET "activeUsers" = EXCLUDED."activeUsers",
    sessions = EXCLUDED.sessions, "toolCalls" = EXCLUDED."toolCalls",
    "toolCallsByDecision" = EXCLUDED."toolCallsByDecision",
    "plansApprovedManual" = EXCLUDED."plansApprovedManual",
    "plansApprovedAuto" = EXCLUDED."plansApprovedAuto", "filesRead" = EXCLUDED."filesRead",
    "filesModified" = EXCLUDED."filesModified", "skillsUsed" = EXCLUDED."skillsUsed",
    "modelRequests" = EXCLUDED."modelRequests", "inputTokens" = EXCLUDED."inputTokens",
    "outputTokens" = EXCLUDED."outputTokens", "costUsd" = EXCLUDED."costUsd",
    "policyViolations" = EXCLUDED."policyViolations", "updatedAt" = now()`;

// Writes the rollup tables (MetricsRepository reads them) and drains the pending days ingest marks.
@Injectable()
export class RollupsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(work: (tx: RollupTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work, { timeout: 300_000 });
  }

  // Takes up to `limit` pending days, skipping those an ingest is still marking; recomputed in the
  // same transaction, a crash puts them back.
  claimPending(tx: RollupTx, limit: number) {
    return tx.$queryRaw<{ organizationId: string; day: string }[]>`
      DELETE FROM "AnalyticsRollupPending" p
      USING (
        SELECT "organizationId", day FROM "AnalyticsRollupPending"
        ORDER BY "markedAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ) claimed
      WHERE p."organizationId" = claimed."organizationId" AND p.day = claimed.day
      RETURNING p."organizationId"::text AS "organizationId", p.day::text AS day`;
  }

  async writeUserDay(
    tx: RollupTx,
    organizationId: string,
    day: string,
    totals: string,
  ): Promise<void> {
    await tx.$executeRawUnsafe(USER_ROLLUP, organizationId, day, totals);
  }

  // Groups are recomputed whole: membership may have changed since the last rollup.
  async writeGroupDay(
    tx: RollupTx,
    organizationId: string,
    day: string,
    members: { userId: string; groupId: string }[],
  ): Promise<void> {
    await tx.$executeRaw`DELETE FROM "GroupDailyMetrics"
      WHERE "organizationId" = ${organizationId}::uuid AND day = ${day}::date`;
    if (!members.length) return;
    await tx.$executeRawUnsafe(
      GROUP_ROLLUP,
      organizationId,
      day,
      members.map((member) => member.userId),
      members.map((member) => member.groupId),
    );
  }

  // The organization's day alone, from UserDailyMetrics already in place.
  async writeOrganizationDay(organizationId: string, day: string, tx?: RollupTx): Promise<void> {
    await (tx ?? this.prisma).$executeRawUnsafe(ORGANIZATION_ROLLUP, organizationId, day);
  }

  // The users with a row on that day.
  async usersOfDay(tx: RollupTx, organizationId: string, day: string): Promise<string[]> {
    const rows = await tx.$queryRaw<{ userId: string }[]>`
      SELECT "userId" FROM "UserDailyMetrics"
      WHERE "organizationId" = ${organizationId}::uuid AND day = ${day}::date`;
    return rows.map((row) => row.userId);
  }

  // Work on one claimed day that can be undone alone (a savepoint), leaving the rest of the claim.
  async undoable<T>(tx: RollupTx, work: () => Promise<T>): Promise<T> {
    await tx.$executeRawUnsafe('SAVEPOINT rollup_day');
    try {
      const result = await work();
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT rollup_day');
      return result;
    } catch (error) {
      await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT rollup_day');
      throw error;
    }
  }

  // A claimed day back in the queue, behind every day marked before now.
  async markPending(tx: RollupTx, organizationId: string, day: string): Promise<void> {
    await tx.$executeRawUnsafe(this.markPendingStatement(organizationId, [day]));
  }

  // The statement that marks days for the rollup job, as literal SQL for a transaction's closing.
  markPendingStatement(organizationId: string, days: string[]): string {
    // DO UPDATE (not DO NOTHING) takes the row lock: a rollup claiming this day waits until these
    // events are committed, so it can't compute the day without them and then forget it.
    return `INSERT INTO "AnalyticsRollupPending" ("organizationId", "day")
       SELECT ${escapeLiteral(organizationId)}::uuid, d FROM unnest(${escapeLiteral(`{${days.join(',')}}`)}::date[]) AS d
       ON CONFLICT ("organizationId", "day") DO UPDATE SET "markedAt" = now()`;
  }
}
