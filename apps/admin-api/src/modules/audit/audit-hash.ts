import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

// What a record says: who did what to which resource.
export interface AuditStatement {
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  data: unknown;
}

export interface ChainedFields extends AuditStatement {
  seq: bigint;
  occurredAt: Date;
}

// A record's fields but `seq` as JSON values, in the order the views show them.
export function recordFields(record: Omit<ChainedFields, 'seq'>) {
  return {
    occurredAt: record.occurredAt.toISOString(),
    actorType: record.actorType,
    actorId: record.actorId,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    data: record.data,
  };
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
  return canonicalJson(recordFields(record));
}

export function chainHash(prevHash: string, record: ChainedFields): string {
  const body = canonicalJson({ seq: record.seq.toString(), ...recordFields(record) });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
