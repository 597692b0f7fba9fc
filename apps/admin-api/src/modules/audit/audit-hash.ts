import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json';

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

// A record is hashed over its RFC 8785 canonical JSON (platform/canonical-json.ts). Records written
// before that were hashed over a hand-written writer that gives the same bytes for every JSON value
// (keys sorted by UTF-16 code unit, JSON.stringify's numbers and strings, undefined members left
// out; platform/canonical-json.spec.ts holds it to that), so the chain needs no version: every existing record
// verifies as it is.
//
// The body chainHash() hashes, without `seq`: the database numbers and chains records while it holds
// the organization's lock (steward_audit_append), so everything else is serialised before. "seq"
// sorts after every other key, which lets the database put it last: `${body minus "}"},"seq":"N"}`.
export function unsequencedBody(record: Omit<ChainedFields, 'seq'>): string {
  return canonicalJson({
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
  const body = canonicalJson({
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
