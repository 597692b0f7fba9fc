import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

// An enrolled endpoint as the subject of its bundles: the endpoint and its person.
export interface EndpointSubject {
  endpointId: string;
  userId: string;
}

// What an endpoint last reported about the bundle it runs.
export interface EndpointBundleReport extends EndpointSubject {
  deviceName: string;
  reportedVersion: number | null;
  reportedVerified: boolean | null;
  reportedReason: string | null;
}

// The Endpoint rows as bundle publishing needs them: which endpoints to sign for, each one's bundle
// version counter (Endpoint.bundleVersion) and its last report. Kept apart from
// EndpointsRepository so the bundles module reads them without depending on the endpoints module,
// which itself publishes through bundles.
@Injectable()
export class EndpointSubjectsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // The endpoints not revoked of these users (or of everyone), by id.
  async ofUsers(organizationId: string, userIds: string[] | 'all'): Promise<EndpointSubject[]> {
    const rows = await this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: { revokedAt: null, ...(userIds === 'all' ? {} : { userId: { in: userIds } }) },
      select: { id: true, userId: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ endpointId: row.id, userId: row.userId }));
  }

  // Those of these endpoints that are not revoked.
  async ofEndpoints(organizationId: string, endpointIds: string[]): Promise<EndpointSubject[]> {
    const rows = await this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: { revokedAt: null, id: { in: endpointIds } },
      select: { id: true, userId: true },
    });
    return rows.map((row) => ({ endpointId: row.id, userId: row.userId }));
  }

  // Next bundle version of each endpoint, atomically in the publish's transaction: concurrent
  // publishes get distinct, ordered versions.
  async nextBundleVersions(
    tx: Prisma.TransactionClient,
    organizationId: string,
    endpointIds: string[],
  ): Promise<Map<string, number>> {
    const rows = await tx.$queryRaw<{ id: string; bundleVersion: number }[]>`
      UPDATE "Endpoint" SET "bundleVersion" = "bundleVersion" + 1
      WHERE "organizationId" = ${organizationId}::uuid AND id = ANY(${endpointIds}::uuid[])
      RETURNING id, "bundleVersion"`;
    return new Map(rows.map((row) => [row.id, row.bundleVersion]));
  }

  // The last reports of those of these endpoints that are not revoked, by device name.
  async bundleReports(
    organizationId: string,
    endpointIds: string[],
  ): Promise<EndpointBundleReport[]> {
    const rows = await this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: { revokedAt: null, id: { in: endpointIds } },
      select: {
        id: true,
        userId: true,
        deviceName: true,
        reportedVersion: true,
        reportedVerified: true,
        reportedReason: true,
      },
      orderBy: [{ deviceName: 'asc' }, { id: 'asc' }],
    });
    return rows.map(({ id, ...row }) => ({ endpointId: id, ...row }));
  }
}
