import { Injectable } from '@nestjs/common';
import type { BundleHeader, SpendSettings } from '@steward/policy';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

export interface Subject {
  endpointId: string;
  userId: string;
}

export interface LatestBundle {
  endpointId: string;
  version: number;
  keyId: string;
  etag: string;
  policyDigest: string;
  expiresAt: Date;
  access: 'granted' | 'revoked';
  spend: SpendSettings;
}

export interface NewBundle {
  endpointId: string;
  version: number;
  keyId: string;
  etag: string;
  payload: Buffer;
  signature: Buffer;
  policyDigest: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type BundlesTx = Prisma.TransactionClient;

// Bundles own the subject's version counter (Endpoint.bundleVersion) and the signed history; the
// endpoints module owns the rest of the Endpoint row.
@Injectable()
export class BundlesRepository {
  constructor(private readonly prisma: PrismaService) {}

  // Publishes of one organization are serialised (also across replicas), so two runs of the same
  // change never both sign a version for an unchanged subject.
  transaction<T>(organizationId: string, work: (tx: BundlesTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`bundles:${organizationId}`}, 0))`;
        return work(tx);
      },
      { timeout: 60_000 },
    );
  }

  async subjects(organizationId: string, userIds: string[] | 'all'): Promise<Subject[]> {
    const rows = await this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: { revokedAt: null, ...(userIds === 'all' ? {} : { userId: { in: userIds } }) },
      select: { id: true, userId: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ endpointId: row.id, userId: row.userId }));
  }

  async subjectsByEndpoint(organizationId: string, endpointIds: string[]): Promise<Subject[]> {
    const rows = await this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: { revokedAt: null, id: { in: endpointIds } },
      select: { id: true, userId: true },
    });
    return rows.map((row) => ({ endpointId: row.id, userId: row.userId }));
  }

  async latest(
    tx: BundlesTx,
    organizationId: string,
    endpointIds: string[],
  ): Promise<Map<string, LatestBundle>> {
    if (!endpointIds.length) return new Map();
    const rows = await tx.$queryRaw<
      (Omit<LatestBundle, 'access' | 'spend'> & { payload: Uint8Array })[]
    >`
      SELECT DISTINCT ON ("endpointId") "endpointId", version, "keyId", etag, "policyDigest",
             "expiresAt", payload
      FROM "PolicyBundle"
      WHERE "organizationId" = ${organizationId}::uuid AND "endpointId" = ANY(${endpointIds}::uuid[])
      ORDER BY "endpointId", version DESC`;
    return new Map(
      rows.map(({ payload, ...row }): [string, LatestBundle] => {
        // The signed header holds what the publish compares besides the policy digest.
        const header = JSON.parse(Buffer.from(payload).toString('utf8')) as BundleHeader;
        return [row.endpointId, { ...row, access: header.access, spend: header.spend }];
      }),
    );
  }

  // The subject's newest signed bundle with its policy bytes, as served.
  async newest(organizationId: string, endpointId: string) {
    const bundle = await this.prisma.forOrganization(organizationId).policyBundle.findFirst({
      where: { endpointId },
      orderBy: { version: 'desc' },
    });
    if (!bundle) return null;
    const blob = await this.prisma.forOrganization(organizationId).policyBlob.findFirst({
      where: { digest: bundle.policyDigest },
      select: { bytes: true },
    });
    return blob ? { bundle, policy: Buffer.from(blob.bytes) } : null;
  }

  async saveBlobs(tx: BundlesTx, organizationId: string, blobs: Map<string, Buffer>) {
    await tx.policyBlob.createMany({
      data: [...blobs].map(([digest, bytes]) => ({
        organizationId,
        digest,
        bytes: new Uint8Array(bytes),
      })),
      skipDuplicates: true,
    });
  }

  // Next version of each subject, atomically: concurrent publishes get distinct, ordered versions.
  async nextVersions(
    tx: BundlesTx,
    organizationId: string,
    endpointIds: string[],
  ): Promise<Map<string, number>> {
    const rows = await tx.$queryRaw<{ id: string; bundleVersion: number }[]>`
      UPDATE "Endpoint" SET "bundleVersion" = "bundleVersion" + 1
      WHERE "organizationId" = ${organizationId}::uuid AND id = ANY(${endpointIds}::uuid[])
      RETURNING id, "bundleVersion"`;
    return new Map(rows.map((row) => [row.id, row.bundleVersion]));
  }

  async saveBundles(
    tx: BundlesTx,
    organizationId: string,
    publishId: string,
    bundles: NewBundle[],
  ) {
    await tx.policyBundle.createMany({
      data: bundles.map((bundle) => ({
        ...bundle,
        organizationId,
        publishId,
        payload: new Uint8Array(bundle.payload),
        signature: new Uint8Array(bundle.signature),
      })),
    });
  }

  createPublish(tx: BundlesTx, organizationId: string, reason: string, subjectCount: number) {
    return tx.bundlePublish.create({ data: { organizationId, reason, subjectCount } });
  }

  // Keeps the newest `keep` bundles of each subject (the history the console shows).
  async prune(organizationId: string, endpointIds: string[], keep: number): Promise<void> {
    if (!endpointIds.length) return;
    await this.prisma.$executeRaw`
      DELETE FROM "PolicyBundle" b USING "Endpoint" e
      WHERE b."endpointId" = e.id AND e."organizationId" = ${organizationId}::uuid
        AND b."organizationId" = ${organizationId}::uuid
        AND e.id = ANY(${endpointIds}::uuid[]) AND b.version <= e."bundleVersion" - ${keep}`;
  }

  publishes(organizationId: string, take: number) {
    return this.prisma.forOrganization(organizationId).bundlePublish.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take,
    });
  }

  findPublish(organizationId: string, id: string) {
    return this.prisma.forOrganization(organizationId).bundlePublish.findFirst({ where: { id } });
  }

  // Each subject of a publish with the version it got and what its endpoint last reported.
  rollout(organizationId: string, publishId: string) {
    return this.prisma.$queryRaw<
      {
        endpointId: string;
        deviceName: string;
        userId: string;
        version: number;
        reportedVersion: number | null;
        reportedVerified: boolean | null;
        reportedReason: string | null;
      }[]
    >`
      SELECT b."endpointId", e."deviceName", e."userId", b.version, e."reportedVersion",
             e."reportedVerified", e."reportedReason"
      FROM "PolicyBundle" b JOIN "Endpoint" e ON e.id = b."endpointId"
      WHERE b."organizationId" = ${organizationId}::uuid AND b."publishId" = ${publishId}::uuid
        AND e."organizationId" = ${organizationId}::uuid AND e."revokedAt" IS NULL
      ORDER BY e."deviceName", b."endpointId"`;
  }
}
