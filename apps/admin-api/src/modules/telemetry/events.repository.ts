import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { AgentEvent } from '@steward/telemetry';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DATABASE } from '../../platform/database/database';
import type { DatabaseHandle } from '../../platform/database/database';
import { faultOf } from '../../platform/database/faults';
import { createPgPool } from '../../platform/database/pg-pool';
import { PrismaService } from '../../platform/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';
import type { SqlExecutor } from '../audit/audit.service';
import type { BatchDigest } from './batch-digest';
import type { EncodedRows, RowFormat } from './upload-preparation';

export interface StoredEvent {
  day: Date;
  payload: AgentEvent;
}

const UPLOAD_TABLE = 'agent_event_upload';
const COPY_COLUMNS = `("organizationId", day, id, "occurredAt", type, "userId", "endpointId",
  "sessionId", "batchId", payload)`;

async function copyInto(client: PoolClient, table: string, text: Uint8Array): Promise<void> {
  // One chunk: one CopyData message for the batch rather than one per row. (Bytes prepared on a
  // worker thread arrive as a plain Uint8Array: viewed as a Buffer, not copied.)
  const chunk = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  await pipeline(
    Readable.from([chunk]),
    client.query(copyFrom(`COPY ${table} ${COPY_COLUMNS} FROM STDIN`)),
  );
}

// Writes go through a `pg` pool of their own rather than Prisma: a batch is ~300 KB of rows, and
// passing it through Prisma's query layer costs more CPU than the write itself; and COPY.
@Injectable()
export class EventsRepository implements OnModuleDestroy {
  private readonly pool: Pool;
  // The embedded database's socket server does not speak COPY FROM STDIN (the server loses
  // protocol sync and the process dies), so there every batch takes the INSERT path.
  readonly rowFormat: RowFormat;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(DATABASE) database: DatabaseHandle,
  ) {
    this.pool = createPgPool(database, { label: 'event ingest', max: database.embedded ? 2 : 10 });
    this.rowFormat = database.embedded ? 'json' : 'copy';
  }

  // Runs `work` in a transaction on one connection; its executor also serves AuditService. The
  // `closing` statements `work` returns take locks that every upload of the organization needs
  // (the audit chain's head, the day's rollup mark). They go to the server in one message with
  // COMMIT, so those locks are held for the server's own time only, never across a round trip or a
  // turn of this process's event loop (where another batch's validation may be running).
  async transaction<T>(
    work: (sql: SqlExecutor, client: PoolClient) => Promise<{ result: T; closing: string[] }>,
  ): Promise<T> {
    const client = await this.pool.connect();
    const sql: SqlExecutor = {
      query: async <R>(text: string, params: unknown[]) =>
        (await client.query(text, params)).rows as R[],
    };
    try {
      await client.query('BEGIN');
      const { result, closing } = await work(sql, client);
      // A multi-statement simple query: an error skips the rest, COMMIT included.
      await client.query([...closing, 'COMMIT'].join(';\n'));
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  // The ids actually stored: a duplicate of an event already stored (a retried batch) is skipped.
  // Fast path: COPY (Postgres's bulk path, several times cheaper per row than INSERT ... ON
  // CONFLICT), without first looking the ids up: a first upload, the usual case, has no duplicates
  // to find. A batch holding an event already stored (a retry, or a retry racing its original)
  // fails COPY on the key; it is then copied into a temporary table and inserted from there with
  // ON CONFLICT DO NOTHING.
  async insert(sql: SqlExecutor, client: PoolClient, rows: EncodedRows): Promise<string[]> {
    if (!rows.copy) return this.insertSkippingDuplicates(sql, rows.json!);
    // Never released: commit does that.
    await client.query('SAVEPOINT copy_events');
    try {
      await copyInto(client, '"AgentEvent"', rows.copy);
      return rows.ids;
    } catch (error) {
      if (faultOf(error) !== 'unique') throw error;
      await client.query('ROLLBACK TO SAVEPOINT copy_events');
    }
    // Emptied at every commit (and rollback), so it holds only this upload's rows.
    await client.query(
      `CREATE TEMPORARY TABLE IF NOT EXISTS ${UPLOAD_TABLE} (LIKE "AgentEvent" INCLUDING DEFAULTS)
       ON COMMIT DELETE ROWS`,
    );
    await copyInto(client, UPLOAD_TABLE, rows.copy);
    const inserted = await sql.query<{ id: string }>(
      `INSERT INTO "AgentEvent" SELECT * FROM ${UPLOAD_TABLE} ORDER BY day, id
       ON CONFLICT DO NOTHING RETURNING id::text`,
      [],
    );
    return inserted.map((row) => row.id);
  }

  private async insertSkippingDuplicates(sql: SqlExecutor, json: string): Promise<string[]> {
    // json (not jsonb) for the array: Postgres then parses each payload into jsonb once.
    const inserted = await sql.query<{ id: string }>(
      `INSERT INTO "AgentEvent"
         ("organizationId", "day", "id", "occurredAt", "type", "userId", "endpointId", "sessionId",
          "batchId", "payload")
       SELECT r."organizationId", r.day, r.id, r."occurredAt", r.type, r."userId", r."endpointId",
              r."sessionId", r."batchId", r.payload
       FROM json_to_recordset($1::json) AS r(
         "organizationId" uuid, day date, id uuid, "occurredAt" timestamp(3), type text,
         "userId" text, "endpointId" text, "sessionId" text, "batchId" uuid, payload jsonb)
       ON CONFLICT DO NOTHING
       RETURNING id::text`,
      [json],
    );
    return inserted.map((row) => row.id);
  }

  // Asked on a connection of its own, so an upload can ask it while its events are being written.
  async forwardingEnabled(organizationId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ enabled: boolean }>(
      'SELECT enabled FROM "TelemetryCollector" WHERE "organizationId" = $1::uuid',
      [organizationId],
    );
    return !!rows[0]?.enabled;
  }

  async addToOutbox(
    sql: SqlExecutor,
    organizationId: string,
    batchId: string,
    eventIds: string[],
    days: string[],
  ): Promise<void> {
    await sql.query(
      `INSERT INTO "TelemetryForwardOutbox" ("batchId", "organizationId", "eventIds", days)
       VALUES ($1::uuid, $2::uuid, $3::uuid[], $4::date[])`,
      [batchId, organizationId, eventIds, days],
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  async findByIds(organizationId: string, days: Date[], ids: string[]): Promise<StoredEvent[]> {
    return this.prisma.$queryRaw<StoredEvent[]>`
      SELECT day, payload FROM "AgentEvent"
      WHERE "organizationId" = ${organizationId}::uuid
        AND day = ANY(${days}::date[]) AND id = ANY(${ids}::uuid[])
      ORDER BY "occurredAt", id`;
  }

  // The events stored now under an ingest batch's id, as jsonb gives them back.
  batchPayloads(
    sql: SqlExecutor,
    organizationId: string,
    days: string[],
    batchId: string,
  ): Promise<{ id: string; payload: string }[]> {
    return sql.query<{ id: string; payload: string }>(
      `SELECT id::text, payload::text FROM "AgentEvent"
       WHERE "organizationId" = $1::uuid AND day = ANY($2::date[]) AND "batchId" = $3::uuid`,
      [organizationId, days, batchId],
    );
  }

  // The first digest format: sha256 over each event's Postgres jsonb text and a line break, in id
  // order.
  async legacyBatchDigest(
    sql: SqlExecutor,
    organizationId: string,
    days: string[],
    batchId: string,
  ): Promise<BatchDigest> {
    const [row] = await sql.query<BatchDigest>(
      `SELECT encode(sha256(convert_to(coalesce(
           string_agg(payload::text || E'\\n', '' ORDER BY id), ''), 'UTF8')), 'hex') AS digest,
         count(*)::int AS count
       FROM "AgentEvent"
       WHERE "organizationId" = $1::uuid AND day = ANY($2::date[]) AND "batchId" = $3::uuid`,
      [organizationId, days, batchId],
    );
    return row!;
  }

  // One statement per day: each touches a single day partition through its key.
  async deleteBatches(
    tx: Prisma.TransactionClient,
    organizationId: string,
    batchesByDay: Map<string, string[]>,
  ): Promise<void> {
    for (const [day, batchIds] of batchesByDay) {
      await tx.$executeRaw`
        DELETE FROM "AgentEvent"
        WHERE "organizationId" = ${organizationId}::uuid AND day = ${day}::date
          AND "batchId" = ANY(${batchIds}::uuid[])`;
    }
  }

  // Each user's totals of one day, as the JSON text of an array of rows (jsonb keeps numbers and
  // costs exact; the caller passes the text on to its own SQL without parsing it). Costs are
  // summed as numeric from the events' decimal strings.
  async userDayTotals(tx: Prisma.TransactionClient, organizationId: string, day: string) {
    const [row] = await tx.$queryRawUnsafe<{ totals: string }[]>(
      USER_DAY_TOTALS,
      organizationId,
      day,
    );
    return row!.totals;
  }
}

const USER_DAY_TOTALS = `
  WITH ev AS (
    SELECT e."userId", e.type, e.payload FROM "AgentEvent" e
    WHERE e."organizationId" = $1::uuid AND e.day = $2::date
  ),
  tools AS (
    SELECT "userId", coalesce(payload->>'connector', 'builtin') AS connector,
           payload->>'decision' AS decision, count(*) AS n
    FROM ev WHERE type = 'tool.called' GROUP BY 1, 2, 3
  ),
  by_connector AS (
    SELECT "userId", jsonb_object_agg(connector, decisions) AS j FROM (
      SELECT "userId", connector, jsonb_object_agg(decision, n) AS decisions FROM tools GROUP BY 1, 2
    ) c GROUP BY 1
  ),
  by_decision AS (
    SELECT "userId", jsonb_object_agg(decision, n) AS j FROM (
      SELECT "userId", decision, sum(n) AS n FROM tools GROUP BY 1, 2
    ) d GROUP BY 1
  ),
  base AS (
    SELECT "userId",
      count(*) FILTER (WHERE type = 'session.started') AS "sessions",
      count(*) FILTER (WHERE type = 'tool.called') AS "toolCalls",
      count(*) FILTER (WHERE type = 'plan.approved' AND payload->>'source' = 'manual') AS "plansApprovedManual",
      count(*) FILTER (WHERE type = 'plan.approved' AND payload->>'source' = 'auto') AS "plansApprovedAuto",
      count(*) FILTER (WHERE type = 'file.read') AS "filesRead",
      count(*) FILTER (WHERE type = 'file.modified') AS "filesModified",
      count(*) FILTER (WHERE type = 'skill.used') AS "skillsUsed",
      count(*) FILTER (WHERE type = 'model.requested') AS "modelRequests",
      coalesce(sum((payload->>'inputTokens')::bigint) FILTER (WHERE type = 'model.requested'), 0) AS "inputTokens",
      coalesce(sum((payload->>'outputTokens')::bigint) FILTER (WHERE type = 'model.requested'), 0) AS "outputTokens",
      coalesce(sum((payload->>'costUsd')::numeric) FILTER (WHERE type = 'model.requested'), 0) AS "costUsd",
      count(*) FILTER (WHERE type = 'policy.violation') AS "policyViolations"
    FROM ev GROUP BY "userId"
  )
  SELECT coalesce(jsonb_agg(to_jsonb(base) || jsonb_build_object(
           'toolCallsByConnector', coalesce(by_connector.j, '{}'),
           'toolCallsByDecision', coalesce(by_decision.j, '{}'))), '[]')::text AS totals
  FROM base LEFT JOIN by_connector USING ("userId") LEFT JOIN by_decision USING ("userId")`;
