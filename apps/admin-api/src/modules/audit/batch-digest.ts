import { createHash } from 'node:crypto';
import type { SqlExecutor } from './audit.service';

export interface BatchDigest {
  digest: string;
  count: number;
}

// How a batch record's `digest` was computed: the format ingest writes now. Records without it are
// of the first format (hashed by Postgres, `legacyBatchDigest`), still verified that way.
export const BATCH_DIGEST_FORMAT = 'canonical-json-sha256';

// An event payload in canonical form: object keys sorted at every depth (UTF-16 order, as
// stableJson in audit-hash.ts and RFC 8785 do; events have no integer-like keys, which a JS object
// always lists first), numbers and strings as JSON.stringify writes them. Ingest stores and hashes
// this text; verify re-parses the stored jsonb and gets the same bytes back, because jsonb keeps
// every JSON value exactly (numbers as exact decimals) and only its own key order and spacing
// differ. The native JSON.stringify writes it: an event parsed by its schema already has its keys in
// order (libs/telemetry lists them sorted), so usually nothing is copied; a hand-written serialiser
// costs twice as much.
export function canonicalJson(value: unknown): string {
  const inOrder = value === null || typeof value !== 'object' || inCanonicalOrder(value);
  return JSON.stringify(inOrder ? value : sortedCopy(value));
}

// Whether every object's keys, at every depth, are in sorted order already (plain JSON data: no
// inherited enumerable keys). Written for speed: it runs for every ingested event.
function inCanonicalOrder(value: object): boolean {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (item !== null && typeof item === 'object' && !inCanonicalOrder(item)) return false;
    }
    return true;
  }
  let previous = '';
  for (const key in value) {
    if (key < previous) return false;
    previous = key;
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === 'object' && !inCanonicalOrder(item)) return false;
  }
  return true;
}

function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const object = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) sorted[key] = sortedCopy(object[key]);
  return sorted;
}

// The fingerprint of the events one ingest batch stored, which the batch's audit record carries so
// the chained audit log vouches for every agent event without one audit row per event: sha256 over
// each event's canonical JSON and a line break, in id order. Ingest computes it from the text it
// writes; asking Postgres to read the batch back and hash it cost twice the COPY of the batch.
export function eventsDigest(events: { id: string; json: string }[]): string {
  const hash = createHash('sha256');
  for (const event of [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(event.json).update('\n');
  }
  return hash.digest('hex');
}

// What verify recomputes from the events stored now under the batch's id, in the format the
// record names.
export async function storedBatchDigest(
  sql: SqlExecutor,
  organizationId: string,
  days: string[],
  batchId: string,
  format: string | undefined,
): Promise<BatchDigest> {
  if (format !== BATCH_DIGEST_FORMAT) return legacyBatchDigest(sql, organizationId, days, batchId);
  const rows = await sql.query<{ id: string; payload: string }>(
    `SELECT id::text, payload::text FROM "AgentEvent"
     WHERE "organizationId" = $1::uuid AND day = ANY($2::date[]) AND "batchId" = $3::uuid`,
    [organizationId, days, batchId],
  );
  const events = rows.map((row) => ({
    id: row.id,
    json: canonicalJson(JSON.parse(row.payload) as unknown),
  }));
  return { digest: eventsDigest(events), count: events.length };
}

// The first format: sha256 over each event's Postgres jsonb text and a line break, in id order.
async function legacyBatchDigest(
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
