import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

type Tx = Prisma.TransactionClient;

const METRIC_COLUMNS = `"sessions", "toolCalls", "plansApprovedManual", "plansApprovedAuto", "filesRead",
  "filesModified", "skillsUsed", "modelRequests", "inputTokens", "outputTokens", "costUsd",
  "policyViolations", "toolCallsByConnector", "toolCallsByDecision"`;

// One SQL shape for both rollups: `key` is what a row is per (the event's user, or each group the
// user belongs to) and `source` the events joined to it. Costs are summed as numeric from the
// events' decimal strings, so they are exact.
function rollupSql(table: string, keyColumn: string, key: string, source: string, extra: string) {
  const updates = [
    ...METRIC_COLUMNS.split(',').map((c) => c.trim()),
    ...(extra ? ['"activeUsers"'] : []),
  ]
    .map((column) => `${column} = EXCLUDED.${column}`)
    .join(', ');
  return `
    WITH ev AS (
      SELECT ${key} AS key, e."userId", e.type, e.payload FROM ${source}
      WHERE e."organizationId" = $1::uuid AND e.day = $2::date
    ),
    tools AS (
      SELECT key, coalesce(payload->>'connector', 'builtin') AS connector,
             payload->>'decision' AS decision, count(*) AS n
      FROM ev WHERE type = 'tool.called' GROUP BY 1, 2, 3
    ),
    by_connector AS (
      SELECT key, jsonb_object_agg(connector, decisions) AS j FROM (
        SELECT key, connector, jsonb_object_agg(decision, n) AS decisions FROM tools GROUP BY 1, 2
      ) c GROUP BY 1
    ),
    by_decision AS (
      SELECT key, jsonb_object_agg(decision, n) AS j FROM (
        SELECT key, decision, sum(n) AS n FROM tools GROUP BY 1, 2
      ) d GROUP BY 1
    ),
    base AS (
      SELECT key,
        count(DISTINCT "userId") AS active_users,
        count(*) FILTER (WHERE type = 'session.started') AS sessions,
        count(*) FILTER (WHERE type = 'tool.called') AS tool_calls,
        count(*) FILTER (WHERE type = 'plan.approved' AND payload->>'source' = 'manual') AS manual,
        count(*) FILTER (WHERE type = 'plan.approved' AND payload->>'source' = 'auto') AS auto,
        count(*) FILTER (WHERE type = 'file.read') AS files_read,
        count(*) FILTER (WHERE type = 'file.modified') AS files_modified,
        count(*) FILTER (WHERE type = 'skill.used') AS skills,
        count(*) FILTER (WHERE type = 'model.requested') AS model_requests,
        coalesce(sum((payload->>'inputTokens')::bigint) FILTER (WHERE type = 'model.requested'), 0) AS input_tokens,
        coalesce(sum((payload->>'outputTokens')::bigint) FILTER (WHERE type = 'model.requested'), 0) AS output_tokens,
        coalesce(sum((payload->>'costUsd')::numeric) FILTER (WHERE type = 'model.requested'), 0) AS cost,
        count(*) FILTER (WHERE type = 'policy.violation') AS violations
      FROM ev GROUP BY key
    )
    INSERT INTO "${table}" ("organizationId", "day", "${keyColumn}", ${METRIC_COLUMNS}${extra}, "updatedAt")
    SELECT $1::uuid, $2::date, base.key${keyColumn === 'groupId' ? '::uuid' : ''}, sessions, tool_calls, manual, auto,
      files_read, files_modified, skills, model_requests, input_tokens, output_tokens, cost,
      violations, coalesce(by_connector.j, '{}'), coalesce(by_decision.j, '{}')
      ${extra ? ', active_users' : ''}, now()
    FROM base LEFT JOIN by_connector USING (key) LEFT JOIN by_decision USING (key)
    ON CONFLICT ("organizationId", "day", "${keyColumn}") DO UPDATE SET ${updates}, "updatedAt" = now()`;
}

const USER_ROLLUP = rollupSql('UserDailyMetrics', 'userId', 'e."userId"', '"AgentEvent" e', '');

// Group membership is the directory's at rollup time (events carry the user, not their groups).
const GROUP_ROLLUP = rollupSql(
  'GroupDailyMetrics',
  'groupId',
  'gm."groupId"',
  `"AgentEvent" e JOIN "DirectoryGroupMember" gm
     ON gm."organizationId" = e."organizationId" AND gm."userId"::text = e."userId"`,
  ', "activeUsers"',
);

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

@Injectable()
export class RollupsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // Takes up to `limit` pending days (skipping those an ingest is still marking) and recomputes
  // each within the same transaction: a crash puts them back.
  async rollupPending(limit: number): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const days = await tx.$queryRaw<{ organizationId: string; day: string }[]>`
          DELETE FROM "AnalyticsRollupPending" p
          USING (
            SELECT "organizationId", day FROM "AnalyticsRollupPending"
            ORDER BY "markedAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED
          ) claimed
          WHERE p."organizationId" = claimed."organizationId" AND p.day = claimed.day
          RETURNING p."organizationId"::text AS "organizationId", p.day::text AS day`;
        for (const { organizationId, day } of days) await this.recompute(tx, organizationId, day);
        return days.length;
      },
      { timeout: 300_000 },
    );
  }

  async recompute(tx: Tx, organizationId: string, day: string): Promise<void> {
    await tx.$executeRawUnsafe(USER_ROLLUP, organizationId, day);
    // Groups are recomputed whole: membership may have changed since the last rollup.
    await tx.$executeRaw`DELETE FROM "GroupDailyMetrics"
      WHERE "organizationId" = ${organizationId}::uuid AND day = ${day}::date`;
    await tx.$executeRawUnsafe(GROUP_ROLLUP, organizationId, day);
    await tx.$executeRawUnsafe(ORGANIZATION_ROLLUP, organizationId, day);
  }

  // The organization's day alone, from UserDailyMetrics already in place.
  async recomputeOrganizationDay(organizationId: string, day: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(ORGANIZATION_ROLLUP, organizationId, day);
  }

  recomputeDay(organizationId: string, day: string): Promise<void> {
    return this.prisma.$transaction((tx) => this.recompute(tx, organizationId, day), {
      timeout: 300_000,
    });
  }
}
