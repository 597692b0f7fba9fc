import { Injectable } from '@nestjs/common';
import type { BundleHeader, SpendSettings } from '@steward/policy';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

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

export interface PublishedState {
  endpointId: string;
  userId: string;
  access: 'granted' | 'revoked';
  issuedAt: Date;
}

export type BundlesTx = Prisma.TransactionClient;

// The signed history of each subject; the subjects themselves and their version counter are the
// endpoints module's (EndpointSubjectsService).
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

  // Per organization, the endpoints whose newest bundle expires before `renewBefore` or is signed by
  // a key that is no longer the organization's active key.
  async dueForRenewal(renewBefore: Date): Promise<Map<string, string[]>> {
    const rows = await this.prisma.$queryRaw<{ organizationId: string; endpointId: string }[]>`
      SELECT b."organizationId", b."endpointId"
      FROM "PolicyBundle" b
      WHERE NOT EXISTS (
          SELECT 1 FROM "PolicyBundle" n
          WHERE n."endpointId" = b."endpointId" AND n.version > b.version)
        AND (b."expiresAt" < ${renewBefore}
          OR NOT EXISTS (
            SELECT 1 FROM "SigningKey" k
            WHERE k."organizationId" = b."organizationId" AND k."keyId" = b."keyId"
              AND k.status = 'active'))
      ORDER BY b."organizationId", b."endpointId"`;
    const due = new Map<string, string[]>();
    for (const { organizationId, endpointId } of rows) {
      const endpoints = due.get(organizationId) ?? [];
      endpoints.push(endpointId);
      due.set(organizationId, endpoints);
    }
    return due;
  }

  // A skip scan down the (organizationId, …) index: one probe per organization, however many
  // bundles each holds (DISTINCT would read them all).
  async organizationsWithBundles(): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ organizationId: string }[]>`
      WITH RECURSIVE org AS (
        (SELECT "organizationId" FROM "PolicyBundle" ORDER BY "organizationId" LIMIT 1)
        UNION ALL
        SELECT (SELECT b."organizationId" FROM "PolicyBundle" b
                WHERE b."organizationId" > org."organizationId"
                ORDER BY b."organizationId" LIMIT 1)
        FROM org WHERE org."organizationId" IS NOT NULL
      )
      SELECT "organizationId" FROM org WHERE "organizationId" IS NOT NULL`;
    return rows.map((row) => row.organizationId);
  }

  // Each subject's newest bundle (of these endpoints, when given): whose it is, whether it grants
  // access, and when it was signed.
  async newestPerSubject(
    organizationId: string,
    endpointIds?: string[],
  ): Promise<PublishedState[]> {
    if (endpointIds && !endpointIds.length) return [];
    const only = endpointIds
      ? Prisma.sql`AND "endpointId" = ANY(${endpointIds}::uuid[])`
      : Prisma.empty;
    const rows = await this.prisma.$queryRaw<
      { endpointId: string; issuedAt: Date; payload: Uint8Array }[]
    >`
      SELECT DISTINCT ON ("endpointId") "endpointId", "issuedAt", payload
      FROM "PolicyBundle"
      WHERE "organizationId" = ${organizationId}::uuid ${only}
      ORDER BY "endpointId", version DESC`;
    return rows.map(({ endpointId, issuedAt, payload }) => {
      const header = JSON.parse(Buffer.from(payload).toString('utf8')) as BundleHeader;
      return { endpointId, userId: header.subject.userId, access: header.access, issuedAt };
    });
  }

  // Newest version of each of these subjects (the long-poll fallback while Redis is away).
  async newestVersions(
    organizationId: string,
    endpointIds: string[],
  ): Promise<Map<string, number>> {
    if (!endpointIds.length) return new Map();
    const rows = await this.prisma.$queryRaw<{ endpointId: string; version: number }[]>`
      SELECT "endpointId", max(version) AS version
      FROM "PolicyBundle"
      WHERE "organizationId" = ${organizationId}::uuid AND "endpointId" = ANY(${endpointIds}::uuid[])
      GROUP BY "endpointId"`;
    return new Map(rows.map((row) => [row.endpointId, row.version]));
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

  // Keeps the `keep` bundles of each subject up to the version just signed for it (the history
  // the console shows).
  async prune(
    organizationId: string,
    signed: { endpointId: string; version: number }[],
    keep: number,
  ): Promise<void> {
    if (!signed.length) return;
    await this.prisma.$executeRaw`
      DELETE FROM "PolicyBundle" b
      USING unnest(${signed.map((s) => s.endpointId)}::uuid[], ${signed.map((s) => s.version)}::int[])
        AS s("endpointId", version)
      WHERE b."organizationId" = ${organizationId}::uuid AND b."endpointId" = s."endpointId"
        AND b.version <= s.version - ${keep}`;
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

  // The version each subject of a publish got.
  async publishedVersions(organizationId: string, publishId: string): Promise<Map<string, number>> {
    const rows = await this.prisma.forOrganization(organizationId).policyBundle.findMany({
      where: { publishId },
      select: { endpointId: true, version: true },
    });
    return new Map(rows.map((row) => [row.endpointId, row.version]));
  }
}
