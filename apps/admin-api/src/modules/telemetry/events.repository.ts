import { Injectable } from '@nestjs/common';
import type { AgentEvent } from '@steward/telemetry';
import { PrismaService } from '../../platform/database/prisma.service';
import type { AuditTx } from '../audit/audit.service';

export interface EventRow {
  day: string;
  id: string;
  occurredAt: string;
  type: string;
  userId: string;
  endpointId: string;
  sessionId: string;
  payload: AgentEvent;
}

export interface StoredEvent {
  day: Date;
  payload: AgentEvent;
}

// Raw SQL: Prisma can't write ON CONFLICT DO NOTHING ... RETURNING nor read the partitioned table
// by day efficiently. Rows go in as one multi-row INSERT built by Postgres from a JSON array (one
// parameter, one round trip for the whole batch).
@Injectable()
export class EventsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // The ids actually stored: a duplicate of an event already stored (a retried batch) is skipped.
  async insert(
    tx: AuditTx,
    organizationId: string,
    batchId: string,
    rows: EventRow[],
  ): Promise<{ id: string; day: string }[]> {
    const inserted = await tx.$queryRaw<{ id: string; day: string }[]>`
      INSERT INTO "AgentEvent"
        ("organizationId", "day", "id", "occurredAt", "type", "userId", "endpointId", "sessionId",
         "batchId", "payload")
      SELECT ${organizationId}::uuid, r.day, r.id, r."occurredAt", r.type, r."userId",
             r."endpointId", r."sessionId", ${batchId}::uuid, r.payload
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
        day date, id uuid, "occurredAt" timestamp(3), type text, "userId" text,
        "endpointId" text, "sessionId" text, payload jsonb)
      ON CONFLICT DO NOTHING
      RETURNING id::text, day::text`;
    return inserted;
  }

  async markRollupPending(tx: AuditTx, organizationId: string, days: string[]): Promise<void> {
    // DO UPDATE (not DO NOTHING) takes the row lock: a rollup claiming this day waits until these
    // events are committed, so it can't compute the day without them and then forget it.
    await tx.$executeRaw`
      INSERT INTO "AnalyticsRollupPending" ("organizationId", "day")
      SELECT ${organizationId}::uuid, d FROM unnest(${days}::date[]) AS d
      ON CONFLICT ("organizationId", "day") DO UPDATE SET "markedAt" = now()`;
  }

  async findByIds(organizationId: string, days: Date[], ids: string[]): Promise<StoredEvent[]> {
    return this.prisma.$queryRaw<StoredEvent[]>`
      SELECT day, payload FROM "AgentEvent"
      WHERE "organizationId" = ${organizationId}::uuid
        AND day = ANY(${days}::date[]) AND id = ANY(${ids}::uuid[])
      ORDER BY "occurredAt", id`;
  }

  async findByBatch(
    organizationId: string,
    days: string[],
    batchId: string,
  ): Promise<AgentEvent[]> {
    const rows = await this.prisma.$queryRaw<{ payload: AgentEvent }[]>`
      SELECT payload FROM "AgentEvent"
      WHERE "organizationId" = ${organizationId}::uuid
        AND day = ANY(${days}::date[]) AND "batchId" = ${batchId}::uuid`;
    return rows.map((row) => row.payload);
  }
}
