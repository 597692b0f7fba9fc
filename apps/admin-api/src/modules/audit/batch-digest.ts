import { createHash } from 'node:crypto';
import type { AgentEvent } from '@steward/telemetry';
import { stableJson } from './audit-hash';

// An event with its stable JSON (stableJson), computed once at ingest for both the stored payload
// and the digest.
export interface CanonicalEvent {
  id: string;
  json: string;
}

export function canonicalEvent(event: AgentEvent): CanonicalEvent {
  return { id: event.id, json: stableJson(event) };
}

// The fingerprint of the events one ingest batch stored: the batch's audit record carries it, so
// the chained audit log vouches for every agent event without one audit row per event.
export function batchDigest(events: CanonicalEvent[]): string {
  const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hash = createHash('sha256');
  for (const event of sorted) hash.update(event.json).update('\n');
  return hash.digest('hex');
}
