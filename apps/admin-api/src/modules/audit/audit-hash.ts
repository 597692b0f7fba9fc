import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  seq: bigint;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  data: unknown;
}

// JSON with object keys sorted at every depth, so the same record always hashes the same however
// Postgres's jsonb happened to order its keys.
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  // A plain loop: this runs for every agent event of every ingest batch.
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${stableJson(item)}`;
  }
  return `${out}}`;
}

// The body chainHash() hashes, without `seq`: the database numbers and chains records while it holds
// the organization's lock (steward_audit_append), so everything else is serialised before. "seq"
// sorts after every other key, which lets the database put it last: `${body minus "}"},"seq":"N"}`.
export function unsequencedBody(record: Omit<ChainedFields, 'seq'>): string {
  return stableJson({
    occurredAt: record.occurredAt.toISOString(),
    actorType: record.actorType,
    actorId: record.actorId,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    data: record.data,
  });
}

export function chainHash(prevHash: string, record: ChainedFields): string {
  const body = stableJson({
    seq: record.seq.toString(),
    occurredAt: record.occurredAt.toISOString(),
    actorType: record.actorType,
    actorId: record.actorId,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    data: record.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
