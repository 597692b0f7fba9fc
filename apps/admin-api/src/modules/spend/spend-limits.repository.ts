import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { ScopedTx } from '../../platform/database/org-scope';
import { PrismaService } from '../../platform/database/prisma.service';
import type { Subject } from '../governance/governance.types';
import type { SpendLimitWrite } from './spend-limits.types';

// The organization-scoped client inside a transaction.
export type SpendLimitsTx = ScopedTx;

// Spend limit definitions (SpendLimit); their counters are SpendRepository's.
@Injectable()
export class SpendLimitsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(organizationId: string, work: (tx: SpendLimitsTx) => Promise<T>): Promise<T> {
    return this.prisma.forOrganization(organizationId).$transaction((tx) => work(tx), {
      timeout: 30_000,
    });
  }

  private db(organizationId: string) {
    return this.prisma.forOrganization(organizationId);
  }

  list(organizationId: string, where: Prisma.SpendLimitWhereInput = {}) {
    return this.db(organizationId).spendLimit.findMany({
      where,
      orderBy: [{ subjectType: 'asc' }, { createdAt: 'asc' }],
    });
  }

  // The user's own limits and those of `groupIds`.
  reaching(organizationId: string, userId: string, groupIds: string[]) {
    return this.list(organizationId, {
      OR: [
        { subjectType: 'user', subjectId: userId },
        ...(groupIds.length
          ? [{ subjectType: 'group' as const, subjectId: { in: groupIds } }]
          : []),
      ],
    });
  }

  find(organizationId: string, id: string) {
    return this.db(organizationId).spendLimit.findFirst({ where: { id } });
  }

  create(tx: SpendLimitsTx, organizationId: string, limit: SpendLimitWrite) {
    return tx.spendLimit.create({ data: { organizationId, ...limit } });
  }

  update(tx: SpendLimitsTx, id: string, limit: SpendLimitWrite) {
    return tx.spendLimit.update({ where: { id }, data: limit });
  }

  async delete(tx: SpendLimitsTx, id: string): Promise<void> {
    await tx.spendLimit.deleteMany({ where: { id } });
  }

  // A limit names its subject (a user or a group) by type and id, which no foreign key can
  // express: a subject's limits go in the transaction that deletes it (DirectoryService's deletion
  // hook). Their period counters are keyed by limit id and are simply never read again.
  async deleteOf(
    tx: SpendLimitsTx,
    subjectType: Subject,
    subjectId: string,
  ): Promise<{ id: string; period: string; amountUsd: string }[]> {
    const limits = await tx.spendLimit.findMany({
      where: { subjectType, subjectId },
      select: { id: true, period: true, amountUsd: true },
      orderBy: { id: 'asc' },
    });
    if (limits.length) {
      await tx.spendLimit.deleteMany({ where: { id: { in: limits.map((l) => l.id) } } });
    }
    return limits.map((limit) => ({ ...limit, amountUsd: limit.amountUsd.toFixed() }));
  }
}
