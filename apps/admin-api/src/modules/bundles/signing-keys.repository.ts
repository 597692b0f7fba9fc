import { Injectable } from '@nestjs/common';
import { Prisma, SigningKey, SigningKeyStatus } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export type KeysTx = Prisma.TransactionClient;

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  get client(): KeysTx {
    return this.prisma;
  }

  // Key changes of one organization are serialised (also across replicas), so two rotations can
  // never both sign trust set version n+1.
  transaction<T>(organizationId: string, work: (tx: KeysTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`signing-keys:${organizationId}`}, 0))`;
      return work(tx);
    });
  }

  list(organizationId: string, tx?: KeysTx): Promise<SigningKey[]> {
    return (tx ?? this.prisma).signingKey.findMany({
      where: { organizationId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  findActive(organizationId: string, tx?: KeysTx): Promise<SigningKey | null> {
    return (tx ?? this.prisma.forOrganization(organizationId)).signingKey.findFirst({
      where: { organizationId, status: 'active' },
      orderBy: { createdAt: 'desc' },
    });
  }

  create(
    tx: KeysTx,
    data: {
      organizationId: string;
      keyId: string;
      publicKey: string;
      encryptedPrivateKey: Buffer;
    },
  ): Promise<SigningKey> {
    return tx.signingKey.create({
      data: {
        ...data,
        encryptedPrivateKey: new Uint8Array(data.encryptedPrivateKey),
        status: 'active',
      },
    });
  }

  setStatus(
    tx: KeysTx,
    organizationId: string,
    id: string,
    data: { status: SigningKeyStatus; notAfter?: Date | null; revokedAt?: Date },
  ): Promise<SigningKey> {
    return tx.signingKey.update({ where: { id, organizationId }, data });
  }

  async latestTrustSetVersion(tx: KeysTx, organizationId: string): Promise<number> {
    const latest = await tx.trustSetVersion.findFirst({
      where: { organizationId },
      orderBy: { version: 'desc' },
      select: { version: true },
    });
    return latest?.version ?? 0;
  }

  async addTrustSet(tx: KeysTx, organizationId: string, version: number, envelope: Buffer) {
    await tx.trustSetVersion.create({
      data: { organizationId, version, envelope: new Uint8Array(envelope) },
    });
  }

  trustSetsSince(organizationId: string, since: number, take: number) {
    return this.prisma.forOrganization(organizationId).trustSetVersion.findMany({
      where: { version: { gt: since } },
      orderBy: { version: 'asc' },
      take,
      select: { version: true, envelope: true },
    });
  }
}
