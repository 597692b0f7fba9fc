import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/database/prisma.service';
import type { PendingChange, PropagationChange } from './propagation.types';

// Any transaction client of the caller's (plain or organization-scoped): the row commits with the
// caller's change.
export interface OutboxTx {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

interface OutboxRow {
  id: bigint;
  organizationId: string;
  userIds: string[] | null;
  allUsers: boolean;
  groupIds: string[] | null;
  reason: string;
  attempts: number;
}

// Only database access to PropagationOutbox. Times are the database's own (the column is written
// and compared in SQL only), so the clocks of API hosts never matter.
@Injectable()
export class PropagationRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(tx: OutboxTx, change: PropagationChange): Promise<void> {
    const all = change.userIds === 'all';
    const userIds = all ? [] : change.userIds;
    await tx.$executeRaw`
      INSERT INTO "PropagationOutbox" ("organizationId", "userIds", "allUsers", "groupIds", reason)
      VALUES (${change.organizationId}::uuid, ${userIds}::uuid[], ${all}, ${change.groupIds}::uuid[],
              ${change.reason})`;
  }

  // Takes up to `limit` rows that are due and leases them for `leaseMs`: a concurrent claim (another
  // replica or worker) skips them, and if this process dies they come due again when the lease ends.
  async claim(limit: number, leaseMs: number): Promise<PendingChange[]> {
    const rows = await this.prisma.$queryRaw<OutboxRow[]>`
      UPDATE "PropagationOutbox" o
      SET "availableAt" = LOCALTIMESTAMP + make_interval(secs => ${leaseMs / 1000}::float8),
          attempts = o.attempts + 1
      WHERE o.id IN (
        SELECT id FROM "PropagationOutbox"
        WHERE "availableAt" <= LOCALTIMESTAMP
        ORDER BY "availableAt", id
        LIMIT ${limit}::int
        FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o."organizationId", o."userIds"::text[] AS "userIds", o."allUsers",
                o."groupIds"::text[] AS "groupIds", o.reason, o.attempts`;
    return rows
      .map((row) => ({
        id: String(row.id),
        organizationId: row.organizationId,
        userIds: row.allUsers ? ('all' as const) : (row.userIds ?? []),
        groupIds: row.groupIds ?? [],
        reason: row.reason,
        attempts: row.attempts,
      }))
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  async remove(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.prisma.$executeRaw`
      DELETE FROM "PropagationOutbox" WHERE id = ANY(${ids.map(BigInt)}::bigint[])`;
  }

  async retryLater(ids: string[], delayMs: number, error: string): Promise<void> {
    if (!ids.length) return;
    await this.prisma.$executeRaw`
      UPDATE "PropagationOutbox"
      SET "availableAt" = LOCALTIMESTAMP + make_interval(secs => ${delayMs / 1000}::float8),
          "lastError" = ${error.slice(0, 500)}
      WHERE id = ANY(${ids.map(BigInt)}::bigint[])`;
  }

  // Rows not yet delivered that have not failed, due or leased: what a drain waits for. A row whose
  // delivery failed waits out its back-off (logged each time); a drain does not wait for it, or one
  // organization that cannot be published (its signing key unreadable) would hold every drain.
  async pending(): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM "PropagationOutbox" WHERE "lastError" IS NULL`;
    return Number(row?.count ?? 0);
  }
}
