import { Injectable } from '@nestjs/common';
import { escapeLiteral } from 'pg';
import type { ScopedTx } from '../../platform/database/org-scope';
import { PrismaService } from '../../platform/database/prisma.service';
import { unsequencedBody } from './audit-hash';
import type { AuditTx } from './audit.repository';

export type ActorType = 'admin' | 'scim' | 'system' | 'operator' | 'endpoint' | 'api-key';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  data?: Record<string, unknown>;
}

// Who made a change, as the modules name their callers.
export interface AuditActor {
  type: ActorType;
  id?: string | null;
}

// A transaction client, so an audit record commits or rolls back with the change it describes.
export type { AuditTx } from './audit.repository';

// Appends to the organization's hash chain. Appends to one organization are serialised by a
// transaction-scoped advisory lock (in steward_audit_append), so concurrent writers (also on other
// replicas) never fork the chain; different organizations never wait on each other.
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(organizationId: string, entry: AuditEntry, tx?: AuditTx): Promise<void> {
    await this.recordMany(organizationId, [entry], tx);
  }

  // The record of `actor`'s change, in the change's organization-scoped transaction: a Prisma
  // transaction client with the organization filter on top (the chain only writes this
  // organization's rows).
  recordIn(
    tx: ScopedTx,
    organizationId: string,
    actor: AuditActor,
    action: string,
    resourceType: string,
    resourceId: string | null,
    data: AuditEntry['data'],
  ): Promise<void> {
    const entry = {
      actorType: actor.type,
      actorId: actor.id,
      action,
      resourceType,
      resourceId,
      data,
    };
    return this.record(organizationId, entry, tx as unknown as AuditTx);
  }

  async recordMany(organizationId: string, entries: AuditEntry[], tx?: AuditTx): Promise<void> {
    if (!entries.length) return;
    // One statement, atomic on its own: without the caller's transaction it needs none.
    await this.appendWith(prismaExecutor(tx ?? this.prisma), organizationId, entries);
  }

  // The same append inside a transaction held by a plain `pg` client (agent event ingest writes its
  // rows that way, in the same transaction as their audit record).
  async appendWith(sql: SqlExecutor, organizationId: string, entries: AuditEntry[]): Promise<void> {
    await sql.query('SELECT steward_audit_append($1::uuid, $2::jsonb) AS "headSeq"', [
      organizationId,
      this.chainInput(entries),
    ]);
  }

  // The same append as literal SQL, for a caller that sends it with other statements in one message
  // (agent event ingest closes its transaction that way).
  appendStatement(organizationId: string, entries: AuditEntry[]): string {
    return `SELECT steward_audit_append(${escapeLiteral(organizationId)}::uuid, ${escapeLiteral(this.chainInput(entries))}::jsonb)`;
  }

  // The records as `steward_audit_append(organization uuid, records jsonb)` takes them, for callers
  // that write a change and its audit record in one statement. Everything but numbering and
  // chaining happens here, before the organization's lock: the database function takes the lock,
  // reads the head (kept apart from the records, so appends continue the chain after retention
  // deleted every record), chains and inserts. The lock is then held only until commit.
  chainInput(entries: AuditEntry[]): string {
    const occurredAt = new Date();
    return JSON.stringify(
      entries.map((entry) => {
        const fields = {
          occurredAt,
          actorType: entry.actorType,
          actorId: entry.actorId ?? null,
          action: entry.action,
          resourceType: entry.resourceType,
          resourceId: entry.resourceId ?? null,
          data: entry.data ?? {},
        };
        return { ...fields, body: unsequencedBody(fields) };
      }),
    );
  }
}

// Runs parameterised SQL in the caller's transaction; rows come back as plain objects.
export interface SqlExecutor {
  query<T = unknown>(sql: string, params: unknown[]): Promise<T[]>;
}

export function prismaExecutor(tx: Pick<AuditTx, '$queryRawUnsafe'>): SqlExecutor {
  return { query: <T>(sql: string, params: unknown[]) => tx.$queryRawUnsafe<T[]>(sql, ...params) };
}
