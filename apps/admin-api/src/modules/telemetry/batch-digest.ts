import { createHash } from 'node:crypto';

export interface BatchDigest {
  digest: string;
  count: number;
}

// How a batch record's `digest` was computed: the format ingest writes now, over RFC 8785
// canonical JSON (platform/canonical-json.ts). Older records name `canonical-json-sha256` (the same
// but for objects with integer-like keys, which it wrote first: `legacyCanonicalJson`) or nothing
// (hashed by Postgres, EventsRepository.legacyBatchDigest); each is still verified its own way.
export const BATCH_DIGEST_FORMAT = 'jcs-sha256';
export const LEGACY_BATCH_DIGEST_FORMAT = 'canonical-json-sha256';

// The canonical JSON of `canonical-json-sha256` records: keys sorted, then written by
// JSON.stringify (which lists integer-like keys first, in numeric order).
export function legacyCanonicalJson(value: unknown): string {
  return JSON.stringify(sortedCopy(value));
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
