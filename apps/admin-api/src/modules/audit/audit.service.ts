import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
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
    if (!tx) {
      return this.prisma.$transaction((inner) =>
        this.appendWith(prismaExecutor(inner), organizationId, entries),
      );
    }
    return this.appendWith(prismaExecutor(tx), organizationId, entries);
  }

  // The same append inside a transaction held by a plain `pg` client (agent event ingest writes its
  // rows that way, in the same transaction as their audit record).
  async appendWith(sql: SqlExecutor, organizationId: string, entries: AuditEntry[]): Promise<void> {
    await sql.query(
      'SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS locked',
      [`audit:${organizationId}`],
    );
    // The head is kept apart from the records, so appends continue the chain even after retention
    // deleted every record, and verification notices when the newest records are deleted.
    const [head] = await sql.query<{ seq: string; hash: string }>(
      'SELECT "headSeq"::text AS seq, "headHash" AS hash FROM "AuditChainState" WHERE "organizationId" = $1::uuid',
      [organizationId],
    );
    let seq = BigInt(head?.seq ?? 0);
    let prevHash = head?.hash ?? GENESIS_HASH;
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
      const row = { ...fields, seq: seq.toString(), prevHash, hash };
      prevHash = hash;
      return row;
    });
    // Records and new head in one statement: every round trip here is spent holding the lock.
    await sql.query(
      `WITH appended AS (
         INSERT INTO "AuditEvent" ("organizationId", "seq", "occurredAt", "actorType", "actorId",
           "action", "resourceType", "resourceId", "data", "prevHash", "hash")
         SELECT $1::uuid, r.seq, r."occurredAt", r."actorType", r."actorId", r.action,
           r."resourceType", r."resourceId", coalesce(r.data, '{}'), r."prevHash", r.hash
         FROM jsonb_to_recordset($2::jsonb) AS r(seq bigint, "occurredAt" timestamp(3),
           "actorType" text, "actorId" text, action text, "resourceType" text, "resourceId" text,
           data jsonb, "prevHash" text, hash text)
       )
       INSERT INTO "AuditChainState" ("organizationId", "headSeq", "headHash", "prunedSeq", "prunedHash")
       VALUES ($1::uuid, $3::bigint, $4, 0, $5)
       ON CONFLICT ("organizationId") DO UPDATE SET "headSeq" = EXCLUDED."headSeq", "headHash" = EXCLUDED."headHash"`,
      [organizationId, JSON.stringify(rows), seq.toString(), prevHash, GENESIS_HASH],
    );
  }
}

// Runs parameterised SQL in the caller's transaction; rows come back as plain objects.
export interface SqlExecutor {
  query<T = unknown>(sql: string, params: unknown[]): Promise<T[]>;
}

function prismaExecutor(tx: AuditTx): SqlExecutor {
  return { query: <T>(sql: string, params: unknown[]) => tx.$queryRawUnsafe<T[]>(sql, ...params) };
}
