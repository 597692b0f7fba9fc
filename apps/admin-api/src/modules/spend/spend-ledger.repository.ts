import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

// The usage ledger: settled leases as the console lists them, and their retention. (Leases in
// flight are SpendRepository's.)
@Injectable()
export class SpendLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(organizationId: string, where: Prisma.SpendLeaseWhereInput, take: number) {
    return this.prisma.forOrganization(organizationId).spendLease.findMany({
      where: { ...where, settledAt: { not: null } },
      orderBy: { settledAt: 'desc' },
      take,
    });
  }

  // Deletes up to `limit` settled and up to `limit` released leases of the organization whose
  // settlement (or, never settled, release) is older than `cutoff`, once folded into the counters
  // (openUntil null). Returns how many. The outer conditions are checked again on a row a settle
  // changed meanwhile (a late settle of a released lease): that lease is kept, unfolded, rather
  // than losing its cost.
  deleteBefore(organizationId: string, cutoff: Date, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "SpendLease" e
      WHERE e.id IN (
        (SELECT id FROM "SpendLease"
         WHERE "organizationId" = ${organizationId}::uuid AND "settledAt" < ${cutoff}
           AND "openUntil" IS NULL
         ORDER BY "settledAt" LIMIT ${limit})
        UNION ALL
        (SELECT id FROM "SpendLease"
         WHERE "organizationId" = ${organizationId}::uuid AND "releasedAt" < ${cutoff}
           AND "settledAt" IS NULL AND "openUntil" IS NULL
         ORDER BY "releasedAt" LIMIT ${limit})
      ) AND e."openUntil" IS NULL AND coalesce(e."settledAt", e."releasedAt") < ${cutoff}`;
  }
}
