import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';
import { chainHash, GENESIS_HASH } from './audit-hash';

export type ActorType = 'admin' | 'scim' | 'system' | 'operator' | 'endpoint' | 'api-key';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  data?: Record<string, unknown>;
}

// A transaction client, so an audit record commits or rolls back with the change it describes.
export type AuditTx = Prisma.TransactionClient;

// Appends to the organization's hash chain. Appends to one organization are serialised by a
// transaction-scoped advisory lock, so concurrent writers (also on other replicas) never fork the
// chain; different organizations never wait on each other.
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(organizationId: string, entry: AuditEntry, tx?: AuditTx): Promise<void> {
    await this.recordMany(organizationId, [entry], tx);
  }

  async recordMany(organizationId: string, entries: AuditEntry[], tx?: AuditTx): Promise<void> {
    if (!entries.length) return;
    if (!tx)
      return this.prisma.$transaction((inner) => this.append(inner, organizationId, entries));
    return this.append(tx, organizationId, entries);
  }

  private async append(tx: AuditTx, organizationId: string, entries: AuditEntry[]): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${organizationId}`}, 0))`;
    // The head is kept apart from the records, so appends continue the chain even after retention
    // deleted every record, and verification notices when the newest records are deleted.
    const head = await tx.auditChainState.findUnique({
      where: { organizationId },
      select: { headSeq: true, headHash: true },
    });
    let seq = head?.headSeq ?? 0n;
    let prevHash = head?.headHash ?? GENESIS_HASH;
    const occurredAt = new Date();
    const rows = entries.map((entry) => {
      seq += 1n;
      const fields = {
        seq,
        occurredAt,
        actorType: entry.actorType,
        actorId: entry.actorId ?? null,
        action: entry.action,
        resourceType: entry.resourceType,
        resourceId: entry.resourceId ?? null,
        data: entry.data ?? {},
      };
      const hash = chainHash(prevHash, fields);
      const row = {
        organizationId,
        ...fields,
        data: fields.data as Prisma.InputJsonValue,
        prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await tx.auditEvent.createMany({ data: rows });
    await tx.auditChainState.upsert({
      where: { organizationId },
      create: {
        organizationId,
        headSeq: seq,
        headHash: prevHash,
        prunedSeq: 0n,
        prunedHash: GENESIS_HASH,
      },
      update: { headSeq: seq, headHash: prevHash },
    });
  }
}
