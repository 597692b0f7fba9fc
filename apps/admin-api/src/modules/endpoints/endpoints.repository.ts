import { Injectable } from '@nestjs/common';
import { Endpoint, Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';

type EndpointsTx = Prisma.TransactionClient;

export interface EndpointStatus {
  reportedVersion: number | null;
  reportedVerified: boolean;
  reportedReason: string | null;
  reportedErrors: { code: string; message: string }[];
  reportedTrustSetVersion: number | null;
  runtimeVersion?: string;
}

// One governed agent on an endpoint: what its runtime last applied (steward-agent's report) and the
// agent's version (from its telemetry).
export interface GovernedAgent {
  agent: string;
  version: string | null;
  access: 'policy' | 'deny-all' | null;
  bundleVersion: number | null;
  reason: string | null;
  digest: string | null;
  appliedAt: string | null;
}

@Injectable()
export class EndpointsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(
    organizationId: string,
    data: {
      userId: string;
      credentialId: string;
      deviceName: string;
      os: string;
      runtimeVersion: string;
    },
  ): Promise<Endpoint> {
    return this.prisma.forOrganization(organizationId).endpoint.create({
      data: { ...data, organizationId },
    });
  }

  // Organization-less on purpose: the credential is how a request learns its organization.
  findActiveByCredential(credentialId: string): Promise<Endpoint | null> {
    return this.prisma.endpoint.findFirst({ where: { credentialId, revokedAt: null } });
  }

  find(organizationId: string, id: string): Promise<Endpoint | null> {
    return this.prisma.forOrganization(organizationId).endpoint.findFirst({ where: { id } });
  }

  list(organizationId: string, options: { userId?: string; includeRevoked: boolean }) {
    return this.prisma.forOrganization(organizationId).endpoint.findMany({
      where: {
        ...(options.userId ? { userId: options.userId } : {}),
        ...(options.includeRevoked ? {} : { revokedAt: null }),
      },
      orderBy: [{ enrolledAt: 'desc' }, { id: 'asc' }],
      take: 1000,
    });
  }

  transaction<T>(work: (tx: EndpointsTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  // The endpoint as revoked by this call; null when it was revoked already (also concurrently).
  async revoke(tx: EndpointsTx, organizationId: string, id: string, at: Date) {
    const [revoked] = await tx.endpoint.updateManyAndReturn({
      where: { id, organizationId, revokedAt: null },
      data: { revokedAt: at },
    });
    return revoked ?? null;
  }

  async touch(organizationId: string, id: string, at: Date): Promise<void> {
    await this.prisma
      .forOrganization(organizationId)
      .endpoint.updateMany({ where: { id }, data: { lastSeenAt: at } });
  }

  async report(organizationId: string, id: string, status: EndpointStatus, at: Date) {
    const { runtimeVersion, reportedErrors, ...rest } = status;
    await this.prisma.forOrganization(organizationId).endpoint.updateMany({
      where: { id },
      data: {
        ...rest,
        reportedErrors: reportedErrors as Prisma.InputJsonValue,
        reportedAt: at,
        lastSeenAt: at,
        ...(runtimeVersion ? { runtimeVersion } : {}),
      },
    });
  }

  async governedAgents(organizationId: string, id: string): Promise<GovernedAgent[]> {
    const row = await this.prisma
      .forOrganization(organizationId)
      .endpoint.findFirst({ where: { id }, select: { governedAgents: true } });
    return (row?.governedAgents ?? []) as unknown as GovernedAgent[];
  }

  async saveGovernedAgents(organizationId: string, id: string, agents: GovernedAgent[]) {
    await this.prisma.forOrganization(organizationId).endpoint.updateMany({
      where: { id },
      data: { governedAgents: agents as unknown as Prisma.InputJsonValue },
    });
  }
}
