import type { SqlExecutor } from './audit.service';

export interface BatchDigest {
  digest: string;
  count: number;
}

// The fingerprint of the events one ingest batch stored: the batch's audit record carries it, so
// the chained audit log vouches for every agent event without one audit row per event. Postgres
// computes it, over each event's jsonb text ordered by id: jsonb is a canonical form (it orders
// keys itself), so ingest and verify hash the same bytes whatever JSON the endpoint sent, and the
// API process, which bounds ingest speed, does not serialise every event a second time.
export async function batchDigest(
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
