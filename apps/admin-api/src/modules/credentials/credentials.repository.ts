import { Injectable } from '@nestjs/common';
import { Credential, CredentialType, Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export type CredentialsTx = Prisma.TransactionClient;

@Injectable()
export class CredentialsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(work: (tx: CredentialsTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  create(
    organizationId: string,
    data: {
      type: CredentialType;
      name: string;
      secretHash: string;
      hint: string;
      scopes: string[];
      createdBy?: string;
    },
  ): Promise<Credential> {
    return this.prisma
      .forOrganization(organizationId)
      .credential.create({ data: { ...data, organizationId } });
  }

  list(organizationId: string, type?: CredentialType): Promise<Credential[]> {
    return this.prisma.forOrganization(organizationId).credential.findMany({
      where: type ? { type } : {},
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
  }

  // Organization-less on purpose: a presented secret is how a request learns its organization.
  findActiveByHash(secretHash: string): Promise<Credential | null> {
    return this.prisma.credential.findFirst({ where: { secretHash, revokedAt: null } });
  }

  // `tx`: the caller's transaction, which must read on its own connection (the embedded database
  // serves one transaction's connection at a time: a read on another would wait for it forever).
  findById(id: string, tx?: CredentialsTx): Promise<Credential | null> {
    return (tx ?? this.prisma).credential.findUnique({ where: { id } });
  }

  // Whether this call revoked it: false when it was revoked already (also by a concurrent call).
  async revoke(tx: CredentialsTx, organizationId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await tx.credential.updateMany({
      where: { id, organizationId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.credential.update({ where: { id }, data: { lastUsedAt: at } });
  }
}
