import { Injectable } from '@nestjs/common';
import type { AuditEvent, Prisma } from '../../generated/prisma/client';
import { recordFields } from './audit-hash';
import type { AuditStatement } from './audit-hash';
import { AuditRepository } from './audit.repository';
import { AuditError, AuditErrorCode } from './audit.errors';

export interface AuditFilter {
  actorType?: string;
  actorId?: string;
  // Exact, or a prefix ending in `*` (e.g. `credential.*`).
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
}

export interface AuditRecordView extends AuditStatement {
  seq: string;
  id: string;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

export const MAX_AUDIT_PAGE = 1000;

export function auditView(row: AuditEvent): AuditRecordView {
  return {
    seq: row.seq.toString(),
    id: row.id.toString(),
    ...recordFields(row),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export function auditWhere(
  organizationId: string,
  filter: AuditFilter,
): Prisma.AuditEventWhereInput {
  const action = filter.action?.endsWith('*')
    ? { startsWith: filter.action.slice(0, -1) }
    : filter.action;
  return {
    organizationId,
    ...(filter.actorType ? { actorType: filter.actorType } : {}),
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(action ? { action } : {}),
    ...(filter.resourceType ? { resourceType: filter.resourceType } : {}),
    ...(filter.resourceId ? { resourceId: filter.resourceId } : {}),
    ...(filter.from || filter.to
      ? {
          occurredAt: {
            ...(filter.from ? { gte: filter.from } : {}),
            ...(filter.to ? { lt: filter.to } : {}),
          },
        }
      : {}),
  };
}

// The compliance query: newest first, keyset pages on the chain sequence (stable while records
// are appended).
@Injectable()
export class AuditQueryService {
  constructor(private readonly repository: AuditRepository) {}

  async query(
    organizationId: string,
    filter: AuditFilter,
    page: { after?: string; limit: number },
  ): Promise<{ records: AuditRecordView[]; nextCursor: string | null }> {
    if (page.limit < 1 || page.limit > MAX_AUDIT_PAGE) {
      throw new AuditError(AuditErrorCode.Invalid, `limit must be from 1 to ${MAX_AUDIT_PAGE}`);
    }
    let before: bigint | undefined;
    if (page.after !== undefined) {
      if (!/^\d{1,19}$/.test(page.after))
        throw new AuditError(AuditErrorCode.Invalid, 'invalid cursor');
      before = BigInt(page.after);
    }
    const rows = await this.repository.recordsBefore(
      auditWhere(organizationId, filter),
      before,
      page.limit + 1,
    );
    const records = rows.slice(0, page.limit).map(auditView);
    return {
      records,
      nextCursor: rows.length > page.limit ? records.at(-1)!.seq : null,
    };
  }
}
